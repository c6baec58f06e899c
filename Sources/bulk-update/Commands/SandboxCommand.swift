import ArgumentParser
import Dispatch
import Foundation
import Sandbox

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run a local emulator of the m3ter IntegrationConfig API, with faults on demand.",
        discussion: """
            Serves the IntegrationConfig slice of the m3ter API (OAuth token, list, retrieve, update, \
            enable, create, delete) with m3ter's rules and limits, until Ctrl-C or SIGTERM. It prints \
            the base URL and an `export` line for the M3TER_* variables; the key and secret there are \
            the sandbox's own made-up credentials, not real m3ter ones. Admin routes (never rate \
            limited): GET /_sandbox/state, GET /_sandbox/stats, GET|PUT|PATCH /_sandbox/faults, \
            POST /_sandbox/reset.

            Example:
              bulk-update sandbox --port 8080 --configs 500 --seed 7 --rate-limit 50 --latency-ms 20
            """
    )

    @Option(help: "TCP port to listen on (0 picks a free one).")
    var port: UInt16 = 8080

    @Option(help: "Address to listen on (an IP literal).")
    var host = "127.0.0.1"

    @Option(help: "Generate this many configs (default 100).")
    var configs: Int?

    @Option(help: "Load the configs from this JSON file instead of generating them.")
    var data: String?

    @Option(help: "Seed of the generated configs and of fault randomness.")
    var seed: UInt64 = 1

    @Option(help: "Organization id to serve.")
    var org = SandboxOptions.defaultOrgId

    @Option(help: "Requests per second per org, in fixed one-second windows (0 = off).")
    var rateLimit = 50

    @Option(help: "Send Retry-After with this many seconds on 429 (m3ter sends none).")
    var retryAfter: Int?

    @Option(help: "How Retry-After states its delay: seconds (a number) or date (the HTTP date that far ahead).")
    var retryAfterFormat = "seconds"

    @Option(help: "Mean added latency per request, in milliseconds.")
    var latencyMs = 0

    @Option(help: "Latency jitter, ± milliseconds.")
    var jitterMs = 0

    @Option(help: "Probability (0-1) that a request fails with 500.")
    var errorRate = 0.0

    @Option(help: "Probability (0-1) that a write commits and the connection then closes with no response.")
    var lostResponseRate = 0.0

    @Option(help: "How a lost response is lost: truncated (headers, then close) or empty (close before any byte).")
    var lostResponseMode = "truncated"

    @Option(help: "Probability (0-1) that a write commits and is then answered 500 with a JSON error.")
    var commitErrorRate = 0.0

    @Option(help: "Probability (0-1) that a write commits and is then answered 502 or 504 with an HTML page.")
    var gatewayErrorRate = 0.0

    @Option(help: "Status of a version mismatch: 400 (m3ter's) or 409.")
    var versionMismatchStatus = 400

    @Option(help: "Lifetime of issued tokens, in seconds.")
    var tokenLifetime = 18_000

    @Option(help: "Status for a missing, unknown or expired bearer token: 403 (m3ter's) or 401.")
    var authFailureStatus = 403

    var faults: SandboxFaults {
        SandboxFaults(
            rateLimit: rateLimit, retryAfter: retryAfter,
            retryAfterFormat: RetryAfterFormat(rawValue: retryAfterFormat) ?? .seconds, latencyMs: latencyMs,
            jitterMs: jitterMs, errorRate: errorRate, lostResponseRate: lostResponseRate,
            lostResponseMode: LostResponseMode(rawValue: lostResponseMode) ?? .truncated,
            commitErrorRate: commitErrorRate, gatewayErrorRate: gatewayErrorRate,
            versionMismatchStatus: versionMismatchStatus,
            tokenLifetimeSeconds: tokenLifetime, authFailureStatus: authFailureStatus
        )
    }

    func validate() throws {
        if configs != nil, data != nil { throw ValidationError("--configs and --data are mutually exclusive") }
        if let configs, configs < 0 { throw ValidationError("--configs must not be negative") }
        if LostResponseMode(rawValue: lostResponseMode) == nil {
            throw ValidationError("--lost-response-mode must be truncated or empty")
        }
        if RetryAfterFormat(rawValue: retryAfterFormat) == nil {
            throw ValidationError("--retry-after-format must be seconds or date")
        }
        if let problem = faults.problems.first { throw ValidationError(problem) }
    }

    func run() async throws {
        let options = SandboxOptions(
            port: port, host: host, orgId: org, seedConfigs: configs ?? 100, seed: seed,
            dataFile: data.map { URL(fileURLWithPath: $0) }, faults: faults
        )
        let signals = Self.terminationSignals()
        let server: SandboxServer
        do {
            server = try await SandboxServer.start(options)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(4)
        }
        let count = await server.configs().count
        let base = server.baseURL.absoluteString
        // Written unbuffered: scripts read these lines while the sandbox keeps running.
        let export =
            "export M3TER_BASE_URL=\(base) M3TER_ORG_ID=\(server.orgId) "
            + "M3TER_API_KEY=\(server.apiKey) M3TER_API_SECRET=\(server.apiSecret)"
        FileHandle.standardOutput.write(Data("\(base)\n\(export)\n".utf8))
        let limit = rateLimit == 0 ? "off" : "\(rateLimit)/s"
        FileHandle.standardError.write(
            Data(
                """
                m3ter sandbox on \(base): org \(server.orgId), \(count) configs, rate limit \(limit).
                The key and secret above are the sandbox's own made-up credentials, not real m3ter ones.
                Admin: \(base)/_sandbox/state | stats | faults; POST \(base)/_sandbox/reset. Ctrl-C stops.

                """.utf8
            )
        )
        for await signal in signals {
            FileHandle.standardError.write(Data("received signal \(signal), stopping the sandbox\n".utf8))
            break
        }
        await server.stop()
    }

    /// SIGINT and SIGTERM as an async sequence (their default actions are disabled).
    private static func terminationSignals() -> AsyncStream<Int32> {
        AsyncStream { continuation in
            let sources = [SIGINT, SIGTERM].map { number in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { continuation.yield(number) }
                source.resume()
                return source
            }
            let box = SignalSources(sources)
            continuation.onTermination = { _ in box.cancel() }
        }
    }
}

/// Keeps the signal sources alive until the stream ends.
private final class SignalSources: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]
    init(_ sources: [any DispatchSourceSignal]) { self.sources = sources }
    func cancel() { sources.forEach { $0.cancel() } }
}
