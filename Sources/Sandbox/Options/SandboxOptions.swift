import Foundation

/// Everything needed to start a sandbox: where it listens, who it is, what it holds, how it misbehaves.
public struct SandboxOptions: Sendable {
    /// The made-up organization id of the default sandbox.
    public static let defaultOrgId = "5a4d8e2c-0b7f-4c1e-9a63-2f1d7b8c9e01"
    /// The sandbox's made-up API key (a sandbox credential, safe to print).
    public static let defaultAPIKey = "sandbox-api-key"
    /// The sandbox's made-up API secret (a sandbox credential, safe to print).
    public static let defaultAPISecret = "sandbox-api-secret"
    /// The id of the service user behind the sandbox's key (`createdBy`/`lastModifiedBy`).
    public static let defaultUserId = "0b9c3f5e-7a21-4d8b-a6e4-1c2d3e4f5a6b"

    /// TCP port; 0 picks a free one.
    public var port: UInt16
    /// Address to bind: an IPv4 literal (default `127.0.0.1`) or an IPv6 literal.
    public var host: String
    /// The organization the sandbox serves; every other org's path is refused.
    public var orgId: String
    /// The client-credentials key the token endpoint accepts.
    public var apiKey: String
    /// The client-credentials secret the token endpoint accepts.
    public var apiSecret: String
    /// The user id written to `lastModifiedBy` (and `createdBy` of created configs).
    public var userId: String
    /// How many configs to generate when there is no data file.
    public var seedConfigs: Int
    /// Seed of the generated data and of fault randomness.
    public var seed: UInt64
    /// A JSON file with the initial configs (an array, or `{"configs": [...]}`); replaces generation.
    public var dataFile: URL?
    /// Limits and faults.
    public var faults: SandboxFaults
    /// The clock for timestamps, token expiry and rate windows (injectable for tests).
    public var now: @Sendable () -> Date

    /// Options with sensible defaults: loopback, a free port, 100 generated configs, m3ter's limits.
    public init(
        port: UInt16 = 0, host: String = "127.0.0.1", orgId: String = SandboxOptions.defaultOrgId,
        apiKey: String = SandboxOptions.defaultAPIKey, apiSecret: String = SandboxOptions.defaultAPISecret,
        userId: String = SandboxOptions.defaultUserId, seedConfigs: Int = 100, seed: UInt64 = 1,
        dataFile: URL? = nil, faults: SandboxFaults = SandboxFaults(), now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.port = port
        self.host = host
        self.orgId = orgId
        self.apiKey = apiKey
        self.apiSecret = apiSecret
        self.userId = userId
        self.seedConfigs = seedConfigs
        self.seed = seed
        self.dataFile = dataFile
        self.faults = faults
        self.now = now
    }
}
