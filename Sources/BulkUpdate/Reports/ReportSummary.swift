import Foundation

/// The run at a glance: the first thing every rendering shows.
public struct ReportSummary: Sendable, Hashable, Codable {
    /// The plan's fingerprint.
    public var planFingerprint: String
    /// The org the plan was made for.
    public var org: String?
    /// The API base URL the plan was made for.
    public var baseURL: String?
    /// The change list's path.
    public var inputFile: String
    /// Lower-case hex SHA-256 of the change list.
    public var inputDigest: String
    /// The tool version.
    public var toolVersion: String
    /// The run directory, if known.
    public var runDirectory: String?
    /// Who approved the plan (`apply --allowed-signers`), if anyone did.
    public var approvedBy: PlanApprover?
    /// Item counts by status (`total` = plan items).
    public var counts: StatusCounts
    /// Item counts by status for each destination.
    public var byDestination: [String: StatusCounts]
    /// Item counts by status for each entity type.
    public var byEntityType: [String: StatusCounts]
    public var startedAt: Date
    public var endedAt: Date
    /// `endedAt - startedAt`, in seconds.
    public var durationSeconds: Double
    /// Every HTTP request sent (`nil` without run statistics).
    public var requests: Int?
    /// Requests per second over the run: `requests / durationSeconds`.
    public var requestRate: Double?
    /// Requests that were retries.
    public var retries: Int?
    /// 429 responses.
    public var throttled: Int?
    /// Token exchanges.
    public var tokenRequests: Int?
    /// HTTP requests spent on the items (sum of their attempts).
    public var itemAttempts: Int
    /// Items found already applied (lost response or resume).
    public var reconciled: Int

    /// Whether every item ended applied, unchanged or enabled.
    public var succeeded: Bool {
        counts.conflict == 0 && counts.failed == 0 && counts.skipped == 0 && counts.notAttempted == 0
    }
}
