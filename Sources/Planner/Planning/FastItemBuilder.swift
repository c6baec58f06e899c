import Foundation

/// Builds plan items straight from a snapshot file's bytes, reading only the values a change
/// touches: the planner's fast path for large plans.
///
/// The result is exactly what ``PlanBuilder/item(for:merged:)`` computes from the decoded config
/// (a differential test holds the two to it). Where matching that would need the whole config
/// (a patch that reaches below a value that is absent, `null` or not an object; a secret object
/// patched inside; a member name with escapes or non-ASCII letters; a repeated member), it
/// returns `nil` and the caller takes the decoded path.
struct FastItemBuilder {
    private let index: SnapshotIndex
    private let bytes: UnsafeRawBufferPointer
    private var table = StringTable()
    /// The key path being walked inside configData, `["configData", …]`.
    private var stack: [String] = ["configData"]
    /// Paths handed out before: equal paths share one array.
    private var paths = SharedPaths()

    init(index: SnapshotIndex) {
        self.index = index
        bytes = index.file.bytes
    }

    /// The item for config `position` of the snapshot, or `nil` when the decoded path must decide.
    ///
    /// `id`, when given, is the id the change list named the config by: used as the item's id
    /// when it is the config's id byte for byte (one string fewer per item); `verified`: the
    /// lookup that found the config already compared it so.
    mutating func item(at position: Int, merged: MergedChange, id: String? = nil, verified: Bool = false) -> PlanItem? {
        item(
            at: position, change: merged.change, expectedVersion: merged.expectedVersion, wave: merged.wave,
            lines: InputLines(merged.lines), id: id, verified: verified)
    }

    /// ``item(at:merged:id:verified:)`` from the merged change's parts (a single row's, read
    /// where the row lies: its change is retained once, by the item).
    mutating func item(
        at position: Int, change: ConfigChange, expectedVersion: Int64?, wave: Int, lines: InputLines, id: String?,
        verified: Bool
    ) -> PlanItem? {
        guard let spans = index.spans(at: position) else { return nil }
        var diff: [FieldChange] = []
        let patchMembers: Int =
            switch change.patch {
            case .none: 0
            case .member: 1
            case .value(let patch): patch.objectValue?.count ?? 0
            }
        diff.reserveCapacity(change.fields.count + patchMembers)
        if change.fields.count == 1, let (field, value) = change.fields.first {
            // One field (the usual): no ordering to do.
            guard field != .configData else { return nil }
            fieldDiff(field, value, spans: spans, into: &diff)
        } else if !change.fields.isEmpty {
            // The fields in their declared order (the diff's order), without hashing each one.
            let found = withUnsafeTemporaryAllocation(of: FieldValue?.self, capacity: Self.fields.count) { slots in
                slots.initialize(repeating: nil)
                defer { slots.deinitialize() }
                for (field, value) in change.fields {
                    guard field != .configData else { return false }
                    slots[field.ordinal] = value
                }
                for (slot, field) in Self.fields.enumerated() {
                    guard let value = slots[slot] else { continue }
                    fieldDiff(field, value, spans: spans, into: &diff)
                }
                return true
            }
            guard found else { return nil }
        }
        switch change.patch {
        case .none: break
        case .member(let key, let value):
            // (What `walk` does for an object of one member.)
            guard spans.configData >= 0, bytes[spans.configData] == UInt8(ascii: "{"),
                leaf(key, value, objectAt: spans.configData, into: &diff)
            else { return nil }
        case .value(let patch):
            guard case .object(let members) = patch, !members.isEmpty, spans.configData >= 0,
                bytes[spans.configData] == UInt8(ascii: "{"), walk(members, objectAt: spans.configData, into: &diff)
            else { return nil }
        }
        // The scan validated the bytes: `t`/`f` start `true`/`false`, a quote a string.
        let enabled: Bool? =
            switch spans.enabled >= 0 ? bytes[spans.enabled] : 0 {
            case UInt8(ascii: "t"): true
            case UInt8(ascii: "f"): false
            default: nil
            }
        let enable = change.enable && enabled != true
        let status: PlanItemStatus = !diff.isEmpty ? .update : enable ? .enableOnly : .unchanged
        // (The memberwise initializer: it builds the item where it is returned.)
        return PlanItem(
            id: id.flatMap { verified || index.isID($0, at: position) ? $0 : nil } ?? index.id(at: position),
            name: spans.name >= 0 && bytes[spans.name] == UInt8(ascii: "\"") ? string(at: spans.name) : nil,
            entityType: internedString(at: spans.entityType, field: .entityType) ?? "",
            destination: internedString(at: spans.destination, field: .destination) ?? "",
            versionRead: version(at: spans.version), diff: diff, wave: wave, lines: lines, change: change,
            expectedVersion: expectedVersion, enable: enable, enabledRead: enable ? enabled : nil, status: status)
    }

    /// Appends the change of top-level `field` to `value`, if it changes anything.
    private mutating func fieldDiff(
        _ field: ConfigField, _ value: FieldValue, spans: ConfigSpans, into diff: inout [FieldChange]
    ) {
        let old = topLevelValue(field, at: spans.offset(of: field))
        let new: JSONValue? =
            switch value {
            case .set(let text): .string(text)
            case .clear: nil
            }
        if old != new {
            diff.append(FieldChange(path: fieldPaths[field.ordinal], before: old, after: new, secret: false))
        }
    }

    /// The top-level fields a change may set besides configData, in ``ConfigField`` order.
    private static let fields = ConfigField.allCases.filter { $0 != .configData }
    /// The diff path of each of ``fields``: this builder's own arrays, shared by the items it
    /// builds. (Arrays shared by every builder had their reference counts written by every core
    /// at once: the cache line went back and forth, and reading a path stalled on it.)
    private let fieldPaths = Self.fields.map { [$0.rawValue] }

    /// ``IntegrationConfig/value(of:)`` read from the bytes: `entityType` and `destination` read
    /// as `""` when absent or not a string, the others as absent.
    private mutating func topLevelValue(_ field: ConfigField, at offset: Int) -> JSONValue? {
        if field.isRequired { return .string(internedString(at: offset, field: field) ?? "") }
        // Destinations and credentials are shared by many configs: their ids are interned.
        if field == .destinationId || field == .integrationCredentialsId {
            return internedString(at: offset, field: field).map(JSONValue.string)
        }
        guard offset >= 0, let text = value(at: offset)?.stringValue else { return nil }
        return .string(text)
    }

    /// `version` as the decoded path reads it: an integer, a whole double, else 0. A plain
    /// integer (the usual) is read from its digits without parsing a value.
    private func version(at offset: Int) -> Int64 {
        guard offset >= 0 else { return 0 }
        var number: Int64 = 0
        var index = offset
        while index < bytes.count, index - offset < 18, bytes[index] >= 0x30, bytes[index] <= 0x39 {
            number = number * 10 + Int64(bytes[index] - 0x30)
            index += 1
        }
        let next = index < bytes.count ? bytes[index] : 0
        if index > offset, index - offset < 18, next != UInt8(ascii: "."), next | 0x20 != UInt8(ascii: "e") {
            return number
        }
        switch value(at: offset) {
        case .integer(let number)?: return number
        case .double(let number)?: return Int64(exactly: number) ?? 0
        default: return 0
        }
    }

    private func string(at offset: Int) -> String? {
        var parser = JSONParser(bytes: bytes, offset: offset)
        return try? parser.parseString()
    }

    private func value(at offset: Int) -> JSONValue? {
        var parser = JSONParser(bytes: bytes, offset: offset)
        return try? parser.parseValue()
    }

    /// A string member's value, shared with earlier equal ones (types, destinations).
    ///
    /// For `entityType` and `destination`, which configs repeat from one to the next, the last
    /// plain string read is kept with its bytes: the same bytes followed by the closing quote give
    /// the same string without reading it again.
    private mutating func internedString(at offset: Int, field: ConfigField) -> String? {
        guard offset >= 0, bytes[offset] == UInt8(ascii: "\"") else { return nil }
        let kept = field == .entityType ? 0 : field == .destination ? 1 : nil
        if let kept, let last = recent[kept], offset + 1 + last.bytes.count < bytes.count,
            bytes[offset + 1 + last.bytes.count] == UInt8(ascii: "\""), let base = bytes.baseAddress,
            last.bytes.withUnsafeBytes({ memcmp(base + offset + 1, $0.baseAddress ?? base, $0.count) == 0 })
        {
            return last.text
        }
        var parser = JSONParser(bytes: bytes, offset: offset)
        guard let text = try? parser.parseString(interning: &table) else { return nil }
        // Kept only when written without escapes (then its bytes are its UTF-8).
        let raw = (offset + 1)..<(parser.offset - 1)
        if let kept, raw.count == text.utf8.count { recent[kept] = (Array(bytes[raw]), text) }
        return text
    }

    /// The last plain `entityType` and `destination` read, with their bytes.
    private var recent: [(bytes: [UInt8], text: String)?] = [nil, nil]

    /// Diffs the patch `members` against the object at `offset`, leaf by leaf, in sorted key order
    /// (the order ``ConfigDiff`` walks). `false`: the fast path does not apply.
    private mutating func walk(
        _ members: [String: JSONValue], objectAt offset: Int, into diff: inout [FieldChange]
    ) -> Bool {
        if members.count == 1, let only = members.first {
            return leaf(only.key, only.value, objectAt: offset, into: &diff)
        }
        for key in members.keys.sorted() {
            guard let value = members[key], leaf(key, value, objectAt: offset, into: &diff) else { return false }
        }
        return true
    }

    private mutating func leaf(
        _ key: String, _ patch: JSONValue, objectAt offset: Int, into diff: inout [FieldChange]
    ) -> Bool {
        guard let found = member(key, inObjectAt: offset) else { return false }
        let secret = Secrets.isSecretKey(key)
        stack.append(key)
        defer { stack.removeLast() }
        if case .object(let inner) = patch {
            // Inside an existing, non-secret object: walk on. Anything else changes the object as
            // a whole, which the decoded path words.
            guard !inner.isEmpty, !secret, found >= 0, bytes[found] == UInt8(ascii: "{") else { return false }
            return walk(inner, objectAt: found, into: &diff)
        }
        // A string (the usual) is read as one; anything else as a value; `null` counts as absent.
        var old: JSONValue? =
            found < 0
            ? nil : bytes[found] == UInt8(ascii: "\"") ? string(at: found).map(JSONValue.string) : value(at: found)
        if old == .null { old = nil }
        let new: JSONValue? = patch == .null ? nil : patch
        let before: JSONValue?
        let after: JSONValue?
        if secret {
            before = old.map(Secrets.redactedSecret)
            after = new.map(Secrets.redactedSecret)
        } else {
            before = old.map { value in
                if case .object(let object) = value { return .object(Secrets.redact(object)) }
                return value
            }
            after = new
        }
        if before != after {
            diff.append(FieldChange(path: paths.shared(stack), before: before, after: after, secret: secret))
        }
        return true
    }

    /// The value offset of member `key` in the object at `offset`: `-1` when absent, `nil` when
    /// `key` or a member name there holds escapes or non-ASCII letters (which `String` equality
    /// may still match) or `key` appears twice.
    ///
    /// The snapshot scan has validated the object, so its members are skipped here without being
    /// checked again (strings to their closing quote, objects and lists by their brackets).
    private func member(_ key: String, inObjectAt offset: Int) -> Int? {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), offset < bytes.count,
            base[offset] == UInt8(ascii: "{")
        else { return nil }
        let count = bytes.count
        var index = skipSpace(offset + 1)
        var found = -1
        var key = key
        let matched: Bool = key.withUTF8 { wanted in
            // (A key read from a change list is plain ASCII; anything else is the decoded path's.)
            for byte in wanted where byte >= 0x80 { return false }
            if index < count, base[index] == UInt8(ascii: "}") { return true }
            while index < count, base[index] == UInt8(ascii: "\"") {
                let start = index + 1
                var end = start
                while end < count, base[end] != UInt8(ascii: "\"") {
                    // Escapes or letters outside ASCII: `String` equality is the decoded path's.
                    if base[end] == UInt8(ascii: "\\") || base[end] >= 0x80 { return false }
                    end += 1
                }
                index = skipSpace(end + 1)
                guard index < count, base[index] == UInt8(ascii: ":") else { return false }
                index = skipSpace(index + 1)
                if end - start == wanted.count,
                    wanted.isEmpty || memcmp(base + start, wanted.baseAddress.unsafelyUnwrapped, wanted.count) == 0
                {
                    guard found < 0 else { return false }
                    found = index
                }
                index = skipSpace(skipValue(base, at: index, count: count))
                guard index < count, base[index] == UInt8(ascii: ",") else { break }
                index = skipSpace(index + 1)
            }
            return index < count && base[index] == UInt8(ascii: "}")
        }
        return matched ? found : nil
    }

    private func skipSpace(_ offset: Int) -> Int {
        var index = offset
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return index
            }
        }
        return index
    }

    /// The offset after the (valid) value at `offset`.
    private func skipValue(_ base: UnsafePointer<UInt8>, at offset: Int, count: Int) -> Int {
        guard offset < count else { return count }
        switch base[offset] {
        case UInt8(ascii: "\""):
            return skipString(base, at: offset, count: count)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var index = offset
            while index < count {
                switch base[index] {
                case UInt8(ascii: "\""):
                    index = skipString(base, at: index, count: count)
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return index + 1 }
                default: break
                }
                index += 1
            }
            return count
        default:
            // A number or a literal: up to the next delimiter.
            var index = offset
            while index < count {
                switch base[index] {
                case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D: return index
                default: index += 1
                }
            }
            return count
        }
    }

    /// The offset after the string whose opening quote is at `offset`.
    private func skipString(_ base: UnsafePointer<UInt8>, at offset: Int, count: Int) -> Int {
        var index = offset + 1
        while index < count {
            // Plain bytes (any but a quote, a backslash or a control character) skipped.
            index = SnapshotScanner.firstSpecialByte(base, from: index, to: count, nonASCII: 0)
            guard index < count else { break }
            switch base[index] {
            case UInt8(ascii: "\""): return index + 1
            case UInt8(ascii: "\\"): index += 2
            default: index += 1
            }
        }
        return count
    }
}
