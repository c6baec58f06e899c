import Foundation

/// The first line of a journal (`"type":"header"`), or the line a resumed run appends (`"type":"resume"`).
///
/// It names the plan the records belong to, so a journal can never be replayed against another plan.
public struct JournalHeader: Sendable, Hashable, Codable {
    /// Whether the line opened the journal or marks a resumed run.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// The first line of the file, written when the run started.
        case header
        /// Appended by every resumed run, before its first record.
        case resume
    }

    /// The journal format this build writes and reads.
    public static let currentFormatVersion = 1

    /// `header` or `resume` (encoded as `type`).
    public var kind: Kind
    /// The journal format version (``currentFormatVersion``).
    public var formatVersion: Int
    /// The ``Plan/fingerprint`` of the run's plan.
    public var planFingerprint: String
    /// The `bulk-update` version that wrote the line.
    public var toolVersion: String
    /// When the run (or the resumed run) started.
    public var startedAt: Date
    /// The run's options as given (`rate`, `concurrency`, …), so a resumed run can keep them; never secrets.
    public var options: [String: String]
    /// Who approved the plan, when it was applied with `--allowed-signers` (encoded as `approvedBy`;
    /// absent otherwise, and in journals written before approvals existed).
    public var approver: PlanApprover?

    /// Creates a header; ``JournalWriter/open(url:header:fsync:)`` sets ``kind`` from the file's state.
    public init(
        kind: Kind = .header, formatVersion: Int = JournalHeader.currentFormatVersion, planFingerprint: String,
        toolVersion: String, startedAt: Date, options: [String: String] = [:], approver: PlanApprover? = nil
    ) {
        self.kind = kind
        self.formatVersion = formatVersion
        self.planFingerprint = planFingerprint
        self.toolVersion = toolVersion
        self.startedAt = startedAt
        self.options = options
        self.approver = approver
    }

    private enum CodingKeys: String, CodingKey {
        case kind = "type"
        case formatVersion, planFingerprint, toolVersion, startedAt, options
        case approver = "approvedBy"
    }

    /// Decodes a header line; a missing `options` reads as empty, a missing `approvedBy` as none.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(Kind.self, forKey: .kind)
        formatVersion = try c.decode(Int.self, forKey: .formatVersion)
        planFingerprint = try c.decode(String.self, forKey: .planFingerprint)
        toolVersion = try c.decodeIfPresent(String.self, forKey: .toolVersion) ?? ""
        startedAt = try c.decode(Date.self, forKey: .startedAt)
        options = try c.decodeIfPresent([String: String].self, forKey: .options) ?? [:]
        approver = try c.decodeIfPresent(PlanApprover.self, forKey: .approver)
    }
}
