import Foundation
import Sandbox
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite("bulk-update sandbox, the real binary", .serialized)
struct SandboxCommandTests {
    /// The built `bulk-update` next to the test bundle, or in `.build/debug`.
    static func binary() throws -> URL {
        let candidates = [
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("bulk-update"),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("../../.build/debug/bulk-update").standardizedFileURL,
        ]
        return try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) })
    }

    @Test("prints the base URL and the export line, serves the API, and stops on SIGTERM")
    func runsUntilSIGTERM() async throws {
        let process = Process()
        process.executableURL = try Self.binary()
        process.arguments = [
            "sandbox", "--port", "0", "--configs", "3", "--seed", "4", "--rate-limit", "7", "--retry-after", "2",
            "--retry-after-format", "date", "--commit-error-rate", "0.25", "--gateway-error-rate", "0.5",
        ]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        var text = ""
        while !text.contains("M3TER_API_SECRET=") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        let base = try #require(lines.first)
        #expect(base.hasPrefix("http://127.0.0.1:"))
        #expect(
            lines.last
                == "export M3TER_BASE_URL=\(base) M3TER_ORG_ID=\(SandboxOptions.defaultOrgId) "
                + "M3TER_API_KEY=\(SandboxOptions.defaultAPIKey) M3TER_API_SECRET=\(SandboxOptions.defaultAPISecret)")
        let faults = try await URLSession.shared.data(from: try #require(URL(string: base + "/_sandbox/faults"))).0
        #expect(
            try JSONDecoder().decode(SandboxFaults.self, from: faults)
                == SandboxFaults(
                    rateLimit: 7, retryAfter: 2, retryAfterFormat: .date, commitErrorRate: 0.25, gatewayErrorRate: 0.5))
        let state = try await URLSession.shared.data(from: try #require(URL(string: base + "/_sandbox/state"))).0
        let configs = try JSONSerialization.jsonObject(with: state) as? [String: Any]
        #expect((configs?["configs"] as? [Any])?.count == 3)
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(log.contains("made-up credentials"))
        #expect(log.contains("stopping the sandbox"))
    }

    @Test(
        "refuses contradictory or out-of-range flags with exit 64",
        arguments: [
            ["--configs", "3", "--data", "seed.json"], ["--error-rate", "2"], ["--version-mismatch-status", "418"],
            ["--lost-response-mode", "sometimes"], ["--commit-error-rate", "1.5"], ["--gateway-error-rate", "-0.1"],
            ["--retry-after-format", "http-date"],
        ]
    )
    func usageErrors(arguments: [String]) throws {
        let process = Process()
        process.executableURL = try Self.binary()
        process.arguments = ["sandbox", "--port", "0"] + arguments
        process.standardOutput = Pipe()
        process.standardError = Pipe()
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 64)
    }
}
