import FlyingFox
import FlyingSocks
import Foundation

/// A running sandbox: the m3ter IntegrationConfig API on a local port, with fault injection.
///
/// Start one with `SandboxServer.start(_:)` (and `stop()` it), or scope it with `withSandbox`.
/// All state lives in an actor; every method is safe to call from any task.
public final class SandboxServer: Sendable {
    /// `http://HOST:PORT`, the value for `M3TER_BASE_URL`.
    public let baseURL: URL
    /// The port actually bound (useful with port 0).
    public let port: UInt16
    /// The organization the sandbox serves.
    public let orgId: String
    /// The sandbox's client-credentials key (a made-up sandbox credential).
    public let apiKey: String
    /// The sandbox's client-credentials secret (a made-up sandbox credential).
    public let apiSecret: String

    private let store: SandboxStore
    private let http: HTTPServer
    private let task: Task<Void, Never>

    private init(
        baseURL: URL, port: UInt16, options: SandboxOptions, store: SandboxStore, http: HTTPServer,
        task: Task<Void, Never>
    ) {
        self.baseURL = baseURL
        self.port = port
        orgId = options.orgId
        apiKey = options.apiKey
        apiSecret = options.apiSecret
        self.store = store
        self.http = http
        self.task = task
    }

    /// Loads or generates the seed data, binds the port and returns once the server is listening.
    public static func start(_ options: SandboxOptions) async throws(SandboxError) -> SandboxServer {
        let problems = options.faults.problems
        guard problems.isEmpty else { throw .invalidFaults(problems) }
        guard options.seedConfigs >= 0 else { throw .invalidOptions("--configs must not be negative") }
        let seed =
            if let file = options.dataFile {
                try SeedData.load(file)
            } else {
                SeedData.generate(count: options.seedConfigs, seed: options.seed)
            }
        let store = SandboxStore(state: SandboxState(options: options, seedConfigs: seed), now: options.now)
        let address: any SocketAddress
        do {
            address =
                options.host.contains(":")
                ? try sockaddr_in6.inet6(ip6: options.host, port: options.port)
                : try sockaddr_in.inet(ip4: options.host, port: options.port)
        } catch {
            throw .cannotListen(host: options.host, port: options.port, reason: "not an IP address literal")
        }
        let http = HTTPServer(
            config: HTTPServer.Configuration(
                address: address, timeout: 300, pool: NoDelaySocketPool(), logger: .disabled),
            handler: SandboxHTTPHandler(store: store, orgId: options.orgId)
        )
        let failure = Failure()
        let task = Task {
            do { try await http.run() } catch { failure.set(error) }
        }
        while await !http.isListening {
            if let error = failure.error {
                throw .cannotListen(host: options.host, port: options.port, reason: "\(error)")
            }
            try? await Task.sleep(for: .milliseconds(2))
        }
        let port: UInt16
        switch await http.listeningAddress {
        case .ip4(_, let bound), .ip6(_, let bound): port = bound
        default: port = options.port
        }
        let host = options.host.contains(":") ? "[\(options.host)]" : options.host
        guard let url = URL(string: "http://\(host):\(port)") else {
            task.cancel()
            throw .cannotListen(host: options.host, port: port, reason: "no valid URL")
        }
        return SandboxServer(baseURL: url, port: port, options: options, store: store, http: http, task: task)
    }

    /// Stops listening, closes every connection (cancelling requests in progress) and waits for the
    /// server task to end.
    public func stop() async {
        await http.stop(timeout: 0)
        task.cancel()
        await task.value
    }

    /// Every config, newest first (the list order).
    public func configs() async -> [SandboxConfig] { await store.configs() }

    /// One config by id.
    public func config(id: String) async -> SandboxConfig? { await store.config(id: id) }

    /// Request statistics since start or the last `reset()`.
    public func stats() async -> SandboxStats { await store.stats() }

    /// The current limits and faults.
    public func faults() async -> SandboxFaults { await store.faults() }

    /// Replaces the limits and faults; applies to requests that start afterwards.
    public func setFaults(_ faults: SandboxFaults) async { await store.setFaults(faults) }

    /// Back to the seed configs, statistics zeroed, rate windows cleared; faults and tokens are kept.
    public func reset() async { await store.reset() }

    /// Invalidates every token issued so far, as when tokens are revoked or expire early: a request
    /// that carries one is refused with the auth-failure status, and a new token must be requested.
    public func revokeTokens() async { await store.revokeTokens() }

    /// Adds or replaces a config as it is (no validation, no version bump).
    public func insert(_ config: SandboxConfig) async { await store.insert(config) }

    /// Simulates another user editing config `id`: applies `change`, bumps the version and sets
    /// `dtLastModified` and `lastModifiedBy`. Returns the edited config, or nil if `id` is unknown.
    @discardableResult
    public func mutate(
        id: String, by user: String = "9f8e7d6c-5b4a-4392-8170-6a5b4c3d2e1f", _ change: (inout SandboxConfig) -> Void
    ) async -> SandboxConfig? {
        while let current = await store.config(id: id) {
            var edited = current
            change(&edited)
            if await store.replace(id: id, atVersion: current.version, with: edited, by: user) {
                return await store.config(id: id)
            }
        }
        return nil
    }
}

/// The server task's startup error, read by `start` while it waits.
private final class Failure: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: (any Error)?

    var error: (any Error)? { lock.withLock { stored } }

    func set(_ error: any Error) { lock.withLock { stored = error } }
}
