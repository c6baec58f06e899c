import Foundation

/// Facts about a run that the plan and the outcomes do not hold.
public struct ReportMeta: Sendable, Hashable, Codable {
    /// The `bulk-update` version that ran.
    public var toolVersion: String
    /// The change list's path as given (from the plan when `nil`).
    public var inputFile: String?
    /// Lower-case hex SHA-256 of the change list (from the plan when `nil`).
    public var inputDigest: String?
    /// The run directory.
    public var runDirectory: String?
    /// When the run (its first start, for a resumed run) began.
    public var startedAt: Date
    /// When it ended (`nil`: still running or stopped without a clean end; the last outcome's time is used).
    public var endedAt: Date?
    /// Who approved the plan, when the run verified its signature.
    public var approver: PlanApprover?

    /// Creates the metadata of one run.
    public init(
        toolVersion: String, inputFile: String? = nil, inputDigest: String? = nil, runDirectory: String? = nil,
        startedAt: Date, endedAt: Date? = nil, approver: PlanApprover? = nil
    ) {
        self.toolVersion = toolVersion
        self.inputFile = inputFile
        self.inputDigest = inputDigest
        self.runDirectory = runDirectory
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.approver = approver
    }
}
