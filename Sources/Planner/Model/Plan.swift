/// One field-level difference between a config's current and planned state.
///
/// Values are redacted: a secret reads as its fingerprint, so comparing two of them still tells
/// whether the secret changed without revealing it.
public struct FieldChange: Sendable, Hashable {
    /// `["name"]`, `["configData"]`, or a key path inside configData: `["configData", "webhook", "url"]`.
    public var path: [String]
    /// The current value (`nil`: absent).
    public var before: JSONValue?
    /// The planned value (`nil`: absent, i.e. cleared).
    public var after: JSONValue?
    /// True when the value is a secret: show "changed", never the values.
    public var secret: Bool

    public init(path: [String], before: JSONValue?, after: JSONValue?, secret: Bool) {
        self.path = path
        self.before = before
        self.after = after
        self.secret = secret
    }

    /// The path as written in a change list: `configData.webhook.url`.
    public var dottedPath: String { path.joined(separator: ".") }
}

/// A value of the config that a templated change read when it was planned.
///
/// The change was computed from it, so if it is no longer so when the plan is applied, the item is
/// a conflict (as if the change had touched it).
public struct FieldRead: Sendable, Hashable {
    /// `["name"]` or a key path inside configData (`["configData", "webhook", "url"]`).
    public var path: [String]
    /// The value as read (`nil`: absent).
    public var value: JSONValue?

    public init(path: [String], value: JSONValue?) {
        self.path = path
        self.value = value
    }

    /// The path as written in a change list: `configData.webhook.url`.
    public var dottedPath: String { path.joined(separator: ".") }
}

/// What the plan will do to one config.
public enum PlanItemStatus: String, Sendable, Hashable, Codable {
    /// Fields change: one PUT (then an enable if asked).
    case update
    /// Already in the desired state: no request.
    case unchanged
    /// Only `POST …/enable`.
    case enableOnly = "enable-only"
}

/// The plan for one config.
public struct PlanItem: Sendable, Hashable {
    public var id: String
    public var name: String?
    public var entityType: String
    public var destination: String
    /// The version read when planning; the PUT carries it.
    public var versionRead: Int64
    /// `expectedVersion` from the change list, if any: apply only at this version.
    public var expectedVersion: Int64?
    /// Every changed value, down to configData's leaves, redacted (in path order).
    public var diff: [FieldChange]
    public var enable: Bool
    /// `enabled` as read when planning (`nil`: absent); recorded when the item enables.
    public var enabledRead: Bool?
    public var wave: Int
    /// 1-based line numbers of the rows (or JSON records) that asked for this change.
    public var inputLines: [Int]
    public var status: PlanItemStatus
    /// The merged change, re-applied to the live state at apply time (templates rendered).
    public var change: ConfigChange
    /// The values templates read that the item does not also change (empty without templates).
    public var reads: [FieldRead]

    public init(
        id: String, name: String?, entityType: String, destination: String, versionRead: Int64,
        expectedVersion: Int64?, diff: [FieldChange], enable: Bool, enabledRead: Bool? = nil, wave: Int,
        inputLines: [Int], status: PlanItemStatus, change: ConfigChange, reads: [FieldRead] = []
    ) {
        self.id = id
        self.name = name
        self.entityType = entityType
        self.destination = destination
        self.versionRead = versionRead
        self.expectedVersion = expectedVersion
        self.diff = diff
        self.enable = enable
        self.enabledRead = enable ? enabledRead : nil
        self.wave = wave
        self.inputLines = inputLines
        self.status = status
        self.change = change
        self.reads = reads
    }

    /// The values this item changes as they are before the change, redacted, at their paths
    /// (`{"configData": {"webhook": {"url": …}}, "name": …}`), plus `enabled` when it enables.
    /// An absent value has no key; what the item leaves alone is not repeated (the org's state
    /// holds it), so an `unchanged` item has `{}`.
    public var before: [String: JSONValue] {
        var out = Self.sparse(diff, \.before)
        if enable, let enabledRead { out["enabled"] = .bool(enabledRead) }
        return out
    }

    /// The same paths as ``before``, after the change; a cleared value has no key.
    public var after: [String: JSONValue] {
        var out = Self.sparse(diff, \.after)
        if enable { out["enabled"] = .bool(true) }
        return out
    }

    private static func sparse(_ diff: [FieldChange], _ side: KeyPath<FieldChange, JSONValue?>) -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for change in diff {
            guard let value = change[keyPath: side] else { continue }
            out.set(value, at: change.path)
        }
        return out
    }
}

extension IntegrationConfig {
    /// The redacted value at a ``FieldChange/path`` (`nil` when absent; a `null` inside configData
    /// counts as absent, as in ``ConfigDiff``).
    public func redactedValue(at path: [String]) -> JSONValue? {
        guard let head = path.first else { return nil }
        if head == "enabled" { return enabled.map(JSONValue.bool) }
        guard let field = ConfigField(rawValue: head) else { return nil }
        guard field == .configData else { return value(of: field) }
        guard let data = configData else { return nil }
        var current: JSONValue = .object(Secrets.redact(data))
        for key in path.dropFirst() {
            guard case .object(let members) = current, let next = members[key] else { return nil }
            current = next
        }
        return current == .null ? nil : current
    }
}

extension PlanItem {
    /// The fields this item changes (dotted paths) whose live value is no longer the planned
    /// `before`: someone else changed them (the conflict rule's test).
    public func fieldsDrifted(in live: IntegrationConfig) -> [String] {
        diff.filter { live.redactedValue(at: $0.path) != $0.before }.map(\.dottedPath)
            + reads.filter { live.redactedValue(at: $0.path) != $0.value }.map(\.dottedPath)
    }

    /// The fields this item changes (dotted paths) whose live value is not the planned `after`.
    public func fieldsNotHeld(by live: IntegrationConfig) -> [String] {
        diff.filter { live.redactedValue(at: $0.path) != $0.after }.map(\.dottedPath)
    }

    /// Whether `live` already holds every planned value (and is enabled, when enabling was asked).
    public func plannedValuesHeld(by live: IntegrationConfig) -> Bool {
        fieldsNotHeld(by: live).isEmpty && (!enable || live.enabled == true)
    }
}

/// Where a plan's input came from.
public struct PlanInput: Sendable, Hashable, Codable {
    /// The change list's path as given.
    public var file: String
    /// Lower-case hex SHA-256 of the change list's bytes.
    public var digest: String
    /// `csv`, `json` or `jsonl`.
    public var format: String
    /// Number of data rows (records).
    public var rows: Int

    public init(file: String, digest: String, format: String, rows: Int) {
        self.file = file
        self.digest = digest
        self.format = format
        self.rows = rows
    }
}

/// Planning options recorded in the plan.
public struct PlanOptions: Sendable, Hashable, Codable {
    /// A selector that matches nothing is an error rather than a warning.
    public var requireMatch: Bool

    public init(requireMatch: Bool = false) {
        self.requireMatch = requireMatch
    }
}

/// A reviewable plan: what will be sent, config by config, in order.
public struct Plan: Sendable, Hashable {
    /// The plan file format this build writes and reads (4: the fingerprint is the SHA-256 of the
    /// items' canonical lines, ``PlanEncoding/fingerprint(of:)``).
    public static let currentFormatVersion = 4

    public var formatVersion: Int
    public var org: String?
    public var baseURL: String?
    public var input: PlanInput
    public var options: PlanOptions
    /// Ordered by wave (ascending), then input order.
    public var items: [PlanItem]
    public var warnings: [Diagnostic]
    /// ``PlanEncoding/fingerprint(of:)`` of the items: names exactly this set of changes.
    public var fingerprint: String

    public init(
        formatVersion: Int = Plan.currentFormatVersion, org: String?, baseURL: String?, input: PlanInput,
        options: PlanOptions, items: [PlanItem], warnings: [Diagnostic], fingerprint: String
    ) {
        self.formatVersion = formatVersion
        self.org = org
        self.baseURL = baseURL
        self.input = input
        self.options = options
        self.items = items
        self.warnings = warnings
        self.fingerprint = fingerprint
    }
}
