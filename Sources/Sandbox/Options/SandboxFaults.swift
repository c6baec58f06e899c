import Foundation

/// The sandbox's limits and injected faults, settable at start and at runtime.
///
/// The defaults are m3ter's documented behaviour: 50 requests per second per org (counted in fixed
/// one-second windows, 429 for the rest of the window, no `Retry-After`), a version mismatch
/// answered with 400, a bad or expired bearer token with 403, tokens that live 18000 s, and no
/// latency, errors, lost responses or failures after a commit. Decoding accepts any subset of the
/// keys; missing keys take their defaults.
public struct SandboxFaults: Sendable, Codable, Equatable {
    /// Requests per org per fixed one-second window; 0 turns the limit off.
    public var rateLimit: Int
    /// When set, 429 responses carry `Retry-After` with this many seconds (m3ter documents none).
    public var retryAfter: Int?
    /// How `Retry-After` says `retryAfter`: as seconds (default) or as the HTTP date that many
    /// seconds from now (RFC 9110 §10.2.3).
    public var retryAfterFormat: RetryAfterFormat
    /// Mean added latency of every API request, in milliseconds.
    public var latencyMs: Int
    /// Uniform jitter around `latencyMs` (± this many milliseconds; never below zero).
    public var jitterMs: Int
    /// Probability (0…1) that an API request fails with 500 before doing anything.
    public var errorRate: Double
    /// Probability (0…1) that a successful write commits and then the connection closes without
    /// any HTTP response (the case a client cannot tell from a failed write).
    public var lostResponseRate: Double
    /// How a lost response is lost: `truncated` (default: headers, then the connection closes
    /// before the body) or `empty` (the connection closes before a single byte).
    public var lostResponseMode: LostResponseMode
    /// Probability (0…1) that a successful write commits and is then answered with 500 and an
    /// m3ter-style `{"message": …}` body, as if the server failed after its commit. Drawn for the
    /// writes whose response was not lost.
    public var commitErrorRate: Double
    /// Probability (0…1) that a successful write commits and is then answered with 502 or 504 (at
    /// random) and an HTML page, as a load balancer or gateway in front of the API answers when
    /// the backend's response does not reach it. Drawn for the writes that met neither of the
    /// faults above.
    public var gatewayErrorRate: Double
    /// Status of a version mismatch on `PUT`: 400 (m3ter's) or 409.
    public var versionMismatchStatus: Int
    /// Lifetime of issued bearer tokens, in seconds (`expires_in`).
    public var tokenLifetimeSeconds: Int
    /// Status for a missing, unknown or expired bearer token and for another org's path: 403 or 401.
    public var authFailureStatus: Int

    /// Faults with m3ter's defaults unless given.
    public init(
        rateLimit: Int = 50, retryAfter: Int? = nil, retryAfterFormat: RetryAfterFormat = .seconds, latencyMs: Int = 0,
        jitterMs: Int = 0, errorRate: Double = 0, lostResponseRate: Double = 0,
        lostResponseMode: LostResponseMode = .truncated, commitErrorRate: Double = 0, gatewayErrorRate: Double = 0,
        versionMismatchStatus: Int = 400, tokenLifetimeSeconds: Int = 18_000, authFailureStatus: Int = 403
    ) {
        self.rateLimit = rateLimit
        self.retryAfter = retryAfter
        self.retryAfterFormat = retryAfterFormat
        self.latencyMs = latencyMs
        self.jitterMs = jitterMs
        self.errorRate = errorRate
        self.lostResponseRate = lostResponseRate
        self.lostResponseMode = lostResponseMode
        self.commitErrorRate = commitErrorRate
        self.gatewayErrorRate = gatewayErrorRate
        self.versionMismatchStatus = versionMismatchStatus
        self.tokenLifetimeSeconds = tokenLifetimeSeconds
        self.authFailureStatus = authFailureStatus
    }

    private enum CodingKeys: String, CodingKey {
        case rateLimit, retryAfter, retryAfterFormat, latencyMs, jitterMs, errorRate, lostResponseRate, lostResponseMode
        case commitErrorRate, gatewayErrorRate, versionMismatchStatus
        case tokenLifetimeSeconds, authFailureStatus
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = SandboxFaults()
        self.init(
            rateLimit: try c.decodeIfPresent(Int.self, forKey: .rateLimit) ?? d.rateLimit,
            retryAfter: try c.decodeIfPresent(Int.self, forKey: .retryAfter),
            retryAfterFormat: try c.decodeIfPresent(RetryAfterFormat.self, forKey: .retryAfterFormat)
                ?? d.retryAfterFormat,
            latencyMs: try c.decodeIfPresent(Int.self, forKey: .latencyMs) ?? d.latencyMs,
            jitterMs: try c.decodeIfPresent(Int.self, forKey: .jitterMs) ?? d.jitterMs,
            errorRate: try c.decodeIfPresent(Double.self, forKey: .errorRate) ?? d.errorRate,
            lostResponseRate: try c.decodeIfPresent(Double.self, forKey: .lostResponseRate) ?? d.lostResponseRate,
            lostResponseMode: try c.decodeIfPresent(LostResponseMode.self, forKey: .lostResponseMode)
                ?? d.lostResponseMode,
            commitErrorRate: try c.decodeIfPresent(Double.self, forKey: .commitErrorRate) ?? d.commitErrorRate,
            gatewayErrorRate: try c.decodeIfPresent(Double.self, forKey: .gatewayErrorRate) ?? d.gatewayErrorRate,
            versionMismatchStatus: try c.decodeIfPresent(Int.self, forKey: .versionMismatchStatus)
                ?? d.versionMismatchStatus,
            tokenLifetimeSeconds: try c.decodeIfPresent(Int.self, forKey: .tokenLifetimeSeconds)
                ?? d.tokenLifetimeSeconds,
            authFailureStatus: try c.decodeIfPresent(Int.self, forKey: .authFailureStatus) ?? d.authFailureStatus
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(rateLimit, forKey: .rateLimit)
        try c.encode(retryAfter, forKey: .retryAfter)
        try c.encode(retryAfterFormat, forKey: .retryAfterFormat)
        try c.encode(latencyMs, forKey: .latencyMs)
        try c.encode(jitterMs, forKey: .jitterMs)
        try c.encode(errorRate, forKey: .errorRate)
        try c.encode(lostResponseRate, forKey: .lostResponseRate)
        try c.encode(lostResponseMode, forKey: .lostResponseMode)
        try c.encode(commitErrorRate, forKey: .commitErrorRate)
        try c.encode(gatewayErrorRate, forKey: .gatewayErrorRate)
        try c.encode(versionMismatchStatus, forKey: .versionMismatchStatus)
        try c.encode(tokenLifetimeSeconds, forKey: .tokenLifetimeSeconds)
        try c.encode(authFailureStatus, forKey: .authFailureStatus)
    }

    /// The problems that make these faults unusable, empty when they are valid.
    public var problems: [String] {
        var problems: [String] = []
        if rateLimit < 0 { problems.append("rateLimit must be 0 (off) or positive, got \(rateLimit)") }
        if let retryAfter, retryAfter < 0 { problems.append("retryAfter must not be negative, got \(retryAfter)") }
        if latencyMs < 0 { problems.append("latencyMs must not be negative, got \(latencyMs)") }
        if jitterMs < 0 { problems.append("jitterMs must not be negative, got \(jitterMs)") }
        if !(0...1).contains(errorRate) { problems.append("errorRate must be between 0 and 1, got \(errorRate)") }
        if !(0...1).contains(lostResponseRate) {
            problems.append("lostResponseRate must be between 0 and 1, got \(lostResponseRate)")
        }
        if !(0...1).contains(commitErrorRate) {
            problems.append("commitErrorRate must be between 0 and 1, got \(commitErrorRate)")
        }
        if !(0...1).contains(gatewayErrorRate) {
            problems.append("gatewayErrorRate must be between 0 and 1, got \(gatewayErrorRate)")
        }
        if ![400, 409].contains(versionMismatchStatus) {
            problems.append("versionMismatchStatus must be 400 or 409, got \(versionMismatchStatus)")
        }
        if tokenLifetimeSeconds < 1 {
            problems.append("tokenLifetimeSeconds must be positive, got \(tokenLifetimeSeconds)")
        }
        if ![401, 403].contains(authFailureStatus) {
            problems.append("authFailureStatus must be 401 or 403, got \(authFailureStatus)")
        }
        return problems
    }
}

/// How the lost-response fault loses a response.
public enum LostResponseMode: String, Sendable, Codable, CaseIterable {
    /// Status line and headers arrive, then the connection closes before the body.
    case truncated
    /// The connection closes before a single byte of the response.
    case empty
}

/// How a 429's `Retry-After` header states the delay (RFC 9110 §10.2.3 allows both).
public enum RetryAfterFormat: String, Sendable, Codable, CaseIterable {
    /// A number of seconds: `Retry-After: 2`.
    case seconds
    /// An IMF-fixdate that many seconds from now: `Retry-After: Fri, 31 Dec 1999 23:59:59 GMT`.
    case date
}
