/// One field-level difference between a config's current and planned state.
///
/// Values are redacted: a secret reads as its fingerprint, so comparing two of them still tells
/// whether the secret changed without revealing it.
public struct FieldChange: Sendable, Hashable, Codable {
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
    // (Declared with the small members last: 144 bytes an item, not 160, in a million-item plan.)
    public var id: String
    public var name: String?
    public var entityType: String
    public var destination: String
    /// The version read when planning; the PUT carries it.
    public var versionRead: Int64
    /// Every changed value, down to configData's leaves, redacted (in path order).
    public var diff: [FieldChange]
    public var wave: Int
    /// The input lines, held without an array when there is one (nearly every item).
    private(set) var lines: InputLines
    /// The merged change, re-applied to the live state at apply time.
    public var change: ConfigChange
    /// `expectedVersion` from the change list, if any: apply only at this version.
    public var expectedVersion: Int64?
    public var enable: Bool
    /// `enabled` as read when planning (`nil`: absent); recorded when the item enables.
    public var enabledRead: Bool?
    public var status: PlanItemStatus

    /// 1-based line numbers of the rows (or JSON records) that asked for this change.
    public var inputLines: [Int] {
        get { Array(lines) }
        set { lines = InputLines(newValue) }
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

    /// Whether `before` and `after`, as read from a plan file, say what ``diff`` says (they only
    /// repeat it; a file where they disagree was edited).
    func repeats(before: [String: JSONValue], after: [String: JSONValue]) -> Bool {
        before == self.before && after == self.after
    }

    private static func sparse(_ diff: [FieldChange], _ side: KeyPath<FieldChange, JSONValue?>) -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for change in diff {
            guard let value = change[keyPath: side] else { continue }
            insert(value, at: change.path[...], into: &out)
        }
        return out
    }

    private static func insert(_ value: JSONValue, at path: ArraySlice<String>, into object: inout [String: JSONValue])
    {
        guard let key = path.first else { return }
        guard path.count > 1 else {
            object[key] = value
            return
        }
        var inner = object[key]?.objectValue ?? [:]
        insert(value, at: path.dropFirst(), into: &inner)
        object[key] = .object(inner)
    }
}

// The initializer is declared in an extension, so that the type keeps its memberwise initializer:
// items are built with it where they are returned (built with a declared one that set each
// member, a million items were each copied once more, every reference retained and released).
extension PlanItem {
    public init(
        id: String, name: String?, entityType: String, destination: String, versionRead: Int64,
        expectedVersion: Int64?, diff: [FieldChange], enable: Bool, enabledRead: Bool? = nil, wave: Int,
        inputLines: [Int], status: PlanItemStatus, change: ConfigChange
    ) {
        self.init(
            id: id, name: name, entityType: entityType, destination: destination, versionRead: versionRead,
            diff: diff, wave: wave, lines: InputLines(inputLines), change: change, expectedVersion: expectedVersion,
            enable: enable, enabledRead: enable ? enabledRead : nil, status: status)
    }
}

/// The input lines of a plan item: one line (nearly every item) is held without an array, which
/// a million-item plan would otherwise allocate a million times.
///
/// Made only by ``init(_:)`` or ``init(line:)``, so that equal lines have one form (`one` for a
/// single line that fits, `many` otherwise) and the synthesized equality holds.
enum InputLines: Hashable, Sendable, RandomAccessCollection {
    case one(UInt32)
    case many([Int])

    init(line: Int) {
        if let small = UInt32(exactly: line) {
            self = .one(small)
        } else {
            self = .many([line])
        }
    }

    init(_ lines: [Int]) {
        if lines.count == 1 {
            self.init(line: lines[0])
        } else {
            self = .many(lines)
        }
    }

    var startIndex: Int { 0 }

    var endIndex: Int {
        switch self {
        case .one: 1
        case .many(let lines): lines.count
        }
    }

    subscript(position: Int) -> Int {
        switch self {
        case .one(let line):
            precondition(position == 0, "index out of range")
            return Int(line)
        case .many(let lines): return lines[position]
        }
    }
}

extension PlanItem: Codable {
    private enum CodingKeys: String, CodingKey {
        case id, name, entityType, destination, versionRead, expectedVersion, before, after, diff, enable, wave
        case inputLines, status, change
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let diff = try c.decode([FieldChange].self, forKey: .diff)
        let enable = try c.decode(Bool.self, forKey: .enable)
        let before = try c.decodeIfPresent([String: JSONValue].self, forKey: .before) ?? [:]
        self.init(
            id: try c.decode(String.self, forKey: .id), name: try c.decodeIfPresent(String.self, forKey: .name),
            entityType: try c.decode(String.self, forKey: .entityType),
            destination: try c.decode(String.self, forKey: .destination),
            versionRead: try c.decode(Int64.self, forKey: .versionRead),
            expectedVersion: try c.decodeIfPresent(Int64.self, forKey: .expectedVersion), diff: diff, enable: enable,
            enabledRead: before["enabled"]?.boolValue, wave: try c.decode(Int.self, forKey: .wave),
            inputLines: try c.decode([Int].self, forKey: .inputLines),
            status: try c.decode(PlanItemStatus.self, forKey: .status),
            change: try c.decode(ConfigChange.self, forKey: .change))
        // `before` and `after` repeat what `diff` says; a file where they disagree was edited.
        let after = try c.decodeIfPresent([String: JSONValue].self, forKey: .after) ?? [:]
        guard repeats(before: before, after: after) else {
            throw DecodingError.dataCorruptedError(
                forKey: .before, in: c, debugDescription: "item \(id): 'before'/'after' do not match its 'diff'")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encodeIfPresent(name, forKey: .name)
        try c.encode(entityType, forKey: .entityType)
        try c.encode(destination, forKey: .destination)
        try c.encode(versionRead, forKey: .versionRead)
        try c.encodeIfPresent(expectedVersion, forKey: .expectedVersion)
        try c.encode(before, forKey: .before)
        try c.encode(after, forKey: .after)
        try c.encode(diff, forKey: .diff)
        try c.encode(enable, forKey: .enable)
        try c.encode(wave, forKey: .wave)
        try c.encode(inputLines, forKey: .inputLines)
        try c.encode(status, forKey: .status)
        try c.encode(change, forKey: .change)
    }
}

extension IntegrationConfig {
    /// The writable fields plus `enabled`, with secrets replaced by fingerprints.
    public var redactedFields: [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        out.reserveCapacity(ConfigField.allCases.count + 1)
        for field in ConfigField.allCases {
            guard let value = value(of: field) else { continue }
            out[field.rawValue] = field == .configData ? .object(Secrets.redact(configData ?? [:])) : value
        }
        if let enabled { out["enabled"] = .bool(enabled) }
        return out
    }

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
public struct Plan: Sendable, Hashable, Codable {
    /// The plan file format this build writes and reads.
    public static let currentFormatVersion = 3

    public var formatVersion: Int
    public var org: String?
    public var baseURL: String?
    public var input: PlanInput
    public var options: PlanOptions
    /// Ordered by wave (ascending), then input order.
    public var items: [PlanItem]
    public var warnings: [Diagnostic]
    /// SHA-256 over the items' digests (``PlanEncoding``): names exactly this set of changes.
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
