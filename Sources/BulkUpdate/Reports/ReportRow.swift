import Foundation
import Planner

/// One plan item in a report.
public struct ReportRow: Sendable, Hashable, Codable {
    public var id: String
    public var name: String?
    public var status: ReportStatus
    /// What the plan said: `update`, `unchanged` or `enable-only`.
    public var planned: PlanItemStatus
    public var entityType: String
    public var destination: String
    public var wave: Int
    /// The version the write started from (the planned version when nothing was recorded).
    public var versionBefore: Int64?
    /// The version after the write (or the live version when nothing was written).
    public var versionAfter: Int64?
    /// Dotted paths of the fields the plan changes (`name`, `configData.webhook.url`, `enabled`).
    public var changedFields: [String]
    /// HTTP requests spent on the item.
    public var attempts: Int
    /// The last HTTP status seen.
    public var httpStatus: Int?
    /// What happened, for people; never a secret.
    public var message: String?
    /// True when the write was found already applied (after a lost response or on resume).
    public var reconciled: Bool
    /// When the outcome was decided (`nil`: not attempted).
    public var time: Date?

    /// Creates a row.
    public init(
        id: String, name: String?, status: ReportStatus, planned: PlanItemStatus, entityType: String,
        destination: String, wave: Int, versionBefore: Int64?, versionAfter: Int64?, changedFields: [String],
        attempts: Int, httpStatus: Int?, message: String?, reconciled: Bool, time: Date?
    ) {
        self.id = id
        self.name = name
        self.status = status
        self.planned = planned
        self.entityType = entityType
        self.destination = destination
        self.wave = wave
        self.versionBefore = versionBefore
        self.versionAfter = versionAfter
        self.changedFields = changedFields
        self.attempts = attempts
        self.httpStatus = httpStatus
        self.message = message
        self.reconciled = reconciled
        self.time = time
    }

    /// `4 → 5`, `4`, or empty.
    public var versionText: String {
        switch (versionBefore, versionAfter) {
        case (let before?, let after?) where before != after: "\(before) → \(after)"
        case (let before?, _): "\(before)"
        case (nil, let after?): "→ \(after)"
        case (nil, nil): ""
        }
    }
}
