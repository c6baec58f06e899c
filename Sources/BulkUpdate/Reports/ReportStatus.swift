import Planner

/// An item's status in a report: an ``OutcomeStatus``, or not attempted (no outcome recorded).
public enum ReportStatus: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case applied, unchanged, enabled, conflict, failed, skipped
    /// The plan holds the item but the run recorded no outcome for it (stopped early, or still running).
    case notAttempted = "not-attempted"

    /// The report status of an outcome.
    public init(_ status: OutcomeStatus) {
        switch status {
        case .applied: self = .applied
        case .unchanged: self = .unchanged
        case .enabled: self = .enabled
        case .conflict: self = .conflict
        case .failed: self = .failed
        case .skipped: self = .skipped
        }
    }

    /// Whether a reviewer must look at the item (conflicts and failures).
    public var isProblem: Bool { self == .conflict || self == .failed }

    /// A short label for people: `not attempted`.
    public var label: String { self == .notAttempted ? "not attempted" : rawValue }

    /// Problems first, then the rest in declaration order.
    public static func < (lhs: ReportStatus, rhs: ReportStatus) -> Bool {
        func rank(_ status: ReportStatus) -> Int {
            switch status {
            case .failed: 0
            case .conflict: 1
            case .notAttempted: 2
            case .skipped: 3
            case .applied: 4
            case .enabled: 5
            case .unchanged: 6
            }
        }
        return rank(lhs) < rank(rhs)
    }
}

/// Item counts by ``ReportStatus`` (every status present, zeros included, for a stable schema).
public struct StatusCounts: Sendable, Hashable, Codable {
    public var total = 0
    public var applied = 0
    public var unchanged = 0
    public var enabled = 0
    public var conflict = 0
    public var failed = 0
    public var skipped = 0
    public var notAttempted = 0

    /// All zero.
    public init() {}

    /// The count for one status.
    public subscript(status: ReportStatus) -> Int {
        get {
            switch status {
            case .applied: applied
            case .unchanged: unchanged
            case .enabled: enabled
            case .conflict: conflict
            case .failed: failed
            case .skipped: skipped
            case .notAttempted: notAttempted
            }
        }
        set {
            switch status {
            case .applied: applied = newValue
            case .unchanged: unchanged = newValue
            case .enabled: enabled = newValue
            case .conflict: conflict = newValue
            case .failed: failed = newValue
            case .skipped: skipped = newValue
            case .notAttempted: notAttempted = newValue
            }
        }
    }

    /// Counts one more item.
    public mutating func add(_ status: ReportStatus) {
        total += 1
        self[status] += 1
    }
}
