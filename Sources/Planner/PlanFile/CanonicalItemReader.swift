import Foundation

/// Reads a plan item written exactly as ``PlanEncoding/append(_:to:)`` writes it, without
/// building its JSON first: the fast path behind reading large plan files.
///
/// The item is read member by member in the canonical order, then written again; only when the
/// two texts are byte for byte the same is it taken. That one comparison stands for every check
/// the general reader makes (types, required members, `before`/`after` repeating the diff),
/// because the general reader gives the same item for the same text. Anything else (another
/// member order, spacing, escapes, a value of another type, an edited item) returns `nil` with
/// the parser unmoved, and the caller reads that item the general way, errors included.
enum CanonicalItemReader {
    /// The item at `parser` (whitespace before it allowed), or `nil` when it is not in canonical form.
    ///
    /// - Parameters:
    ///   - writer: scratch space for writing the item again (reused between calls).
    ///   - paths: diff paths read before (equal paths share one array).
    static func item(_ parser: inout JSONParser, writer: inout JSONWriter, paths: inout SharedPaths) -> PlanItem? {
        var read = parser
        _ = read.peek()
        let start = read.offset
        guard let item = try? members(&read, paths: &paths) else { return nil }
        writer.removeAll()
        PlanEncoding.append(item, to: &writer)
        let same = writer.withBytes { written in
            let found = read.bytes(from: start)
            guard written.count == found.count, let left = written.baseAddress, let right = found.baseAddress else {
                return false
            }
            return memcmp(left, right, found.count) == 0
        }
        guard same else { return nil }
        parser = read
        return item
    }

    private static func members(_ p: inout JSONParser, paths: inout SharedPaths) throws(JSONSyntaxError) -> PlanItem? {
        // `after` and `before` repeat the diff: skipped here, checked by the comparison.
        guard p.consumeExactly("{\"after\":"), p.skipScannedValue(), p.consumeExactly(",\"before\":") else {
            return nil
        }
        var before = p
        guard p.skipScannedValue(), p.consumeExactly(",\"change\":{") else { return nil }
        var patch: JSONValue?
        if p.consumeExactly("\"configDataPatch\":") {
            patch = try p.parseValue()
            guard p.consumeExactly(",") else { return nil }
        }
        guard p.consumeExactly("\"enable\":"), let changeEnable = bool(&p), p.consumeExactly(",\"fields\":{") else {
            return nil
        }
        var fields: [ConfigField: FieldValue] = [:]
        if !p.consumeExactly("}") {
            repeat {
                guard let key = try string(&p), let field = ConfigField(rawValue: key), field != .configData,
                    p.consumeExactly(":")
                else { return nil }
                if p.consumeExactly("null") {
                    fields[field] = .clear
                } else if let text = try string(&p) {
                    fields[field] = .set(text)
                } else {
                    return nil
                }
            } while p.consumeExactly(",")
            guard p.consumeExactly("}") else { return nil }
        }
        guard p.consumeExactly("},\"destination\":"), let destination = try string(&p),
            p.consumeExactly(",\"diff\":["), let diff = try diff(&p, paths: &paths),
            p.consumeExactly(",\"enable\":"), let enable = bool(&p), p.consumeExactly(",\"entityType\":"),
            let entityType = try string(&p)
        else { return nil }
        var expectedVersion: Int64?
        if p.consumeExactly(",\"expectedVersion\":") {
            guard let number = try integer(&p) else { return nil }
            expectedVersion = number
        }
        guard p.consumeExactly(",\"id\":"), let id = try string(&p), p.consumeExactly(",\"inputLines\":[") else {
            return nil
        }
        var lines: [Int] = []
        if !p.consumeExactly("]") {
            repeat {
                guard let line = try integer(&p) else { return nil }
                lines.append(Int(clamping: line))
            } while p.consumeExactly(",")
            guard p.consumeExactly("]") else { return nil }
        }
        var name: String?
        if p.consumeExactly(",\"name\":") {
            guard let text = try string(&p) else { return nil }
            name = text
        }
        guard p.consumeExactly(",\"status\":"), let statusText = try string(&p),
            let status = PlanItemStatus(rawValue: statusText), p.consumeExactly(",\"versionRead\":"),
            let versionRead = try integer(&p), p.consumeExactly(",\"wave\":"), let wave = try integer(&p),
            p.consumeExactly("}")
        else { return nil }
        // `enabled` as read is recorded in `before` (only when the item enables).
        var enabledRead: Bool?
        if enable, case .object(let members) = try before.parseValue(), case .bool(let flag)? = members["enabled"] {
            enabledRead = flag
        }
        // (The memberwise initializer builds the item where it is returned: see `PlanItem`.)
        return PlanItem(
            id: id, name: name, entityType: entityType, destination: destination, versionRead: versionRead,
            diff: diff, wave: Int(clamping: wave), lines: InputLines(lines),
            change: ConfigChange(decodedFields: fields, configDataPatch: patch, enable: changeEnable),
            expectedVersion: expectedVersion, enable: enable, enabledRead: enable ? enabledRead : nil, status: status)
    }

    /// The diff's entries, after its `[` up to and including its `]`.
    private static func diff(_ p: inout JSONParser, paths: inout SharedPaths) throws(JSONSyntaxError) -> [FieldChange]?
    {
        var diff: [FieldChange] = []
        if p.consumeExactly("]") { return diff }
        repeat {
            guard p.consumeExactly("{") else { return nil }
            var after: JSONValue?
            var before: JSONValue?
            if p.consumeExactly("\"after\":") {
                after = try p.parseValue()
                guard p.consumeExactly(",") else { return nil }
            }
            if p.consumeExactly("\"before\":") {
                before = try p.parseValue()
                guard p.consumeExactly(",") else { return nil }
            }
            guard p.consumeExactly("\"path\":[") else { return nil }
            var path: [String] = []
            if !p.consumeExactly("]") {
                repeat {
                    guard let key = try string(&p) else { return nil }
                    path.append(key)
                } while p.consumeExactly(",")
                guard p.consumeExactly("]") else { return nil }
            }
            guard p.consumeExactly(",\"secret\":"), let secret = bool(&p), p.consumeExactly("}") else { return nil }
            diff.append(
                FieldChange(
                    path: paths.shared(path), before: before == .null ? nil : before,
                    after: after == .null ? nil : after,
                    secret: secret))
        } while p.consumeExactly(",")
        return p.consumeExactly("]") ? diff : nil
    }

    private static func string(_ p: inout JSONParser) throws(JSONSyntaxError) -> String? {
        guard p.next == UInt8(ascii: "\"") else { return nil }
        return try p.parseString()
    }

    private static func integer(_ p: inout JSONParser) throws(JSONSyntaxError) -> Int64? {
        guard let first = p.next, first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39),
            case .integer(let number) = try p.parseValue()
        else { return nil }
        return number
    }

    private static func bool(_ p: inout JSONParser) -> Bool? {
        if p.consumeExactly("true") { return true }
        if p.consumeExactly("false") { return false }
        return nil
    }
}
