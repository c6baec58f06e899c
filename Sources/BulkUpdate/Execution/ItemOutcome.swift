import Foundation

/// The final (or interim) status of one plan item in a run.
public enum OutcomeStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// The PUT (and enable, if asked) succeeded, or the config was found already holding the plan.
    case applied
    /// Already in the desired state: nothing sent.
    case unchanged
    /// Only enabled (enable-only item).
    case enabled
    /// Someone else changed a field this item changes: left untouched.
    case conflict
    /// Gave up after retries or a non-retryable error.
    case failed
    /// Not attempted on purpose (`--on-conflict skip`, a canary stop, an expectedVersion mismatch).
    case skipped

    /// Whether this status ends the item for good (a resumed run skips it).
    public var isFinal: Bool { true }
}

/// What happened to one plan item: one journal record, one report row.
public struct ItemOutcome: Sendable, Hashable, Codable {
    public var id: String
    public var status: OutcomeStatus
    /// The version the item was applied from (live version at the time of the write).
    public var versionBefore: Int64?
    /// The version after our write (or the live version when nothing was written).
    public var versionAfter: Int64?
    /// HTTP requests spent on this item (reads for conflicts included).
    public var attempts: Int
    /// The last HTTP status seen for this item (`nil`: no response, e.g. a transport error).
    public var httpStatus: Int?
    /// A sentence for the user; never holds a secret.
    public var message: String?
    /// True when the write was found already applied (after a lost response or on resume).
    public var reconciled: Bool
    /// When the outcome was decided.
    public var time: Date

    public init(
        id: String, status: OutcomeStatus, versionBefore: Int64? = nil, versionAfter: Int64? = nil, attempts: Int = 0,
        httpStatus: Int? = nil, message: String? = nil, reconciled: Bool = false, time: Date
    ) {
        self.id = id
        self.status = status
        self.versionBefore = versionBefore
        self.versionAfter = versionAfter
        self.attempts = attempts
        self.httpStatus = httpStatus
        self.message = message
        self.reconciled = reconciled
        self.time = time
    }
}

/// Request-level figures of a run, for the report.
public struct RunStats: Sendable, Hashable, Codable {
    public var startedAt: Date
    public var endedAt: Date?
    /// Every HTTP request sent (token, list, get, put, enable), retries included.
    public var requests: Int
    /// Requests that were retries of an earlier attempt.
    public var retries: Int
    /// 429 responses received.
    public var throttled: Int
    /// Token exchanges.
    public var tokenRequests: Int
    /// Requests sent per whole second since `startedAt` (index = second), for the timeline chart.
    public var requestsPerSecond: [Int]
    /// The run's average request rate (``RequestMetrics/averageRate``: as the progress line shows it).
    public var requestRate: Double?

    public init(
        startedAt: Date, endedAt: Date? = nil, requests: Int = 0, retries: Int = 0, throttled: Int = 0,
        tokenRequests: Int = 0, requestsPerSecond: [Int] = [], requestRate: Double? = nil
    ) {
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.requests = requests
        self.retries = retries
        self.throttled = throttled
        self.tokenRequests = tokenRequests
        self.requestsPerSecond = requestsPerSecond
        self.requestRate = requestRate
    }
}
