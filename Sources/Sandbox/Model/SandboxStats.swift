/// What the sandbox has seen since it started or was last reset (admin routes are not counted).
public struct SandboxStats: Sendable, Codable, Equatable {
    /// Every API request received, including the token endpoint and refused requests.
    public var totalRequests: Int = 0
    /// Requests by route, e.g. `"PUT /organizations/{orgId}/integrationconfigs/{id}"`.
    public var byRoute: [String: Int] = [:]
    /// Responses by HTTP status code (as a string key, e.g. `"429"`); lost responses are not here.
    public var byStatus: [String: Int] = [:]
    /// Committed writes (update, enable, create, delete) by config id.
    public var writesById: [String: Int] = [:]
    /// Requests refused with 429 by the rate limiter.
    public var throttled: Int = 0
    /// Calls to `POST /oauth/token`.
    public var tokenRequests: Int = 0
    /// The most API requests in progress at once.
    public var peakConcurrent: Int = 0
    /// Writes that committed and then had their response dropped by the lost-response fault.
    public var lostResponses: Int = 0
    /// Requests failed with 500 by the error-rate fault.
    public var injectedErrors: Int = 0
    /// Writes that committed and were then answered with 500 by the commit-error fault.
    public var commitErrors: Int = 0
    /// Writes that committed and were then answered with 502 or 504 by the gateway-error fault.
    public var gatewayErrors: Int = 0

    /// Empty statistics.
    public init() {}

    /// Total committed writes.
    public var totalWrites: Int { writesById.values.reduce(0, +) }
}
