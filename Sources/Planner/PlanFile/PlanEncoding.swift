import Crypto
import Foundation

/// The canonical JSON encoding of plan items: compact, keys sorted, secrets as fingerprints.
///
/// The plan file's items are written in exactly this encoding, one per line: the same JSON a
/// `JSONEncoder` with sorted keys writes for ``PlanItem``'s `Codable` form, produced without the
/// encoder's overhead.
///
/// The plan's fingerprint is the SHA-256 over the items' own SHA-256 digests (32 bytes each, in
/// plan order), each taken over the item's digest form (``appendDigestForm(_:to:)``: its members
/// but `before` and `after`, which only repeat the diff and which reading a plan checks, in a
/// compact binary layout): items are hashed on every core, in any order, and only the 32-byte
/// digests are hashed in sequence.
public enum PlanEncoding {
    /// The canonical text of one item.
    public static func canonicalText(of item: PlanItem) -> String {
        var writer = JSONWriter()
        append(item, to: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// The plan fingerprint: lower-case hex SHA-256 over the SHA-256 digests of the items'
    /// digest forms, in order.
    public static func fingerprint(of items: [PlanItem]) -> String {
        let digests = ItemDigests(count: items.count)
        let lanes = max(1, min(ProcessInfo.processInfo.activeProcessorCount, items.count / 2_048))
        let perLane = (items.count + lanes - 1) / lanes
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in
            var writer = JSONWriter(capacity: 4_096)
            for index in (lane * perLane)..<min(items.count, (lane + 1) * perLane) {
                digests.record(items[index], at: index, using: &writer)
            }
        }
        return digests.fingerprint()
    }

    /// Calls `body` with the canonical encodings of consecutive runs of items, in order, each
    /// preceded by `\n` (the first) or `,\n` (the rest): the elements of the plan file's `items`
    /// array. Encoding runs in parallel; `body` is called on this thread.
    static func forEachEncodedBatch(of items: [PlanItem], _ body: ([UInt8]) throws -> Void) rethrows {
        let chunk = 2_048
        let lanes = max(1, ProcessInfo.processInfo.activeProcessorCount)
        var start = 0
        while start < items.count {
            let count = min(lanes, (items.count - start + chunk - 1) / chunk)
            let outputs = ParallelSlots<[UInt8]>(count: count)
            let base = start
            DispatchQueue.concurrentPerform(iterations: count) { lane in
                let from = base + lane * chunk
                let to = min(items.count, from + chunk)
                var writer = JSONWriter(capacity: (to - from) * 1_024)
                for index in from..<to {
                    writer.raw(index == 0 ? "\n" : ",\n")
                    append(items[index], to: &writer)
                }
                outputs[lane] = writer.bytes
            }
            for lane in 0..<count { try body(outputs[lane] ?? []) }
            start += count * chunk
        }
    }

    /// Whether two changes are recorded identically in a plan (secrets compared by fingerprint).
    static func sameRecordedChange(_ a: ConfigChange, _ b: ConfigChange) -> Bool {
        var left = JSONWriter()
        var right = JSONWriter()
        append(a, to: &left)
        append(b, to: &right)
        return left.bytes == right.bytes
    }

    /// Appends the digest form of `item`: every member but `before` and `after` (which repeat
    /// the diff) in a compact binary layout (`docs/FORMATS.md`, "Plan file"): counts and text
    /// lengths as LEB128, numbers as zigzag LEB128, fields and status as one-byte codes, JSON
    /// values as their canonical text.
    static func appendDigestForm(_ item: PlanItem, to out: inout JSONWriter) {
        out.text(item.id)
        out.optionalText(item.name)
        out.text(item.entityType)
        out.text(item.destination)
        out.number(item.versionRead)
        if let expected = item.expectedVersion {
            out.byte(1)
            out.number(expected)
        } else {
            out.byte(0)
        }
        out.byte(item.enable ? 1 : 0)
        out.byte(item.enabledRead.map { $0 ? 2 : 1 } ?? 0)
        out.number(Int64(item.wave))
        out.byte(statusCode(item.status))
        out.varint(item.lines.count)
        for line in item.lines { out.number(Int64(line)) }
        let change = item.change
        out.byte(change.enable ? 1 : 0)
        out.varint(change.fields.count)
        forEachField(of: change) { field, value in appendDigestField(field, value, to: &out) }
        if change.patch.isNone {
            out.byte(0)
        } else {
            out.byte(1)
            out.lengthPrefixed { $0.redactedPatch(change.patch) }
        }
        out.varint(item.diff.count)
        for entry in item.diff {
            out.varint(entry.path.count)
            for key in entry.path { out.text(key) }
            appendDigestValue(entry.before, to: &out)
            appendDigestValue(entry.after, to: &out)
            out.byte(entry.secret ? 1 : 0)
        }
    }

    private static func statusCode(_ status: PlanItemStatus) -> UInt8 {
        switch status {
        case .update: 0
        case .unchanged: 1
        case .enableOnly: 2
        }
    }

    private static func appendDigestValue(_ value: JSONValue?, to out: inout JSONWriter) {
        guard let value else { return out.byte(0) }
        out.byte(1)
        out.lengthPrefixed { $0.value(value) }
    }

    private static func appendDigestField(_ field: ConfigField, _ value: FieldValue, to out: inout JSONWriter) {
        out.byte(digestCode(of: field))
        switch value {
        case .set(let text):
            out.byte(1)
            out.text(text)
        case .clear: out.byte(0)
        }
    }

    /// A field's code in the digest form: its place in name order (the order fields are written in).
    static func digestCode(of field: ConfigField) -> UInt8 {
        switch field {
        case .configData: 0
        case .destination: 1
        case .destinationId: 2
        case .entityId: 3
        case .entityType: 4
        case .integrationCredentialsId: 5
        case .name: 6
        }
    }

    /// Appends the canonical encoding of `item`.
    static func append(_ item: PlanItem, to out: inout JSONWriter) {
        let layout = layout(of: item.diff)
        out.raw("{\"after\":")
        appendSparse(item, layout: layout, after: true, to: &out)
        out.raw(",\"before\":")
        appendSparse(item, layout: layout, after: false, to: &out)
        out.raw(",\"change\":")
        append(item.change, to: &out)
        out.raw(",\"destination\":")
        out.string(item.destination)
        out.raw(",\"diff\":[")
        for (index, change) in item.diff.enumerated() {
            if index > 0 { out.raw(",") }
            out.raw("{")
            if let after = change.after {
                out.raw("\"after\":")
                out.value(after)
                out.raw(",")
            }
            if let before = change.before {
                out.raw("\"before\":")
                out.value(before)
                out.raw(",")
            }
            out.raw("\"path\":[")
            for (position, key) in change.path.enumerated() {
                if position > 0 { out.raw(",") }
                out.string(key)
            }
            out.raw("],\"secret\":")
            out.raw(change.secret ? "true}" : "false}")
        }
        out.raw("],\"enable\":")
        out.bool(item.enable)
        out.raw(",\"entityType\":")
        out.string(item.entityType)
        if let expected = item.expectedVersion {
            out.raw(",\"expectedVersion\":")
            out.integer(expected)
        }
        out.raw(",\"id\":")
        out.string(item.id)
        out.raw(",\"inputLines\":[")
        for (index, line) in item.lines.enumerated() {
            if index > 0 { out.raw(",") }
            out.integer(Int64(line))
        }
        out.raw("]")
        if let name = item.name {
            out.raw(",\"name\":")
            out.string(name)
        }
        out.raw(",\"status\":")
        out.string(item.status.rawValue)
        out.raw(",\"versionRead\":")
        out.integer(item.versionRead)
        out.raw(",\"wave\":")
        out.integer(Int64(item.wave))
        out.raw("}")
    }

    /// ``PlanItem/before`` or ``PlanItem/after``, written straight from the diff: the values at
    /// their paths as nested objects, members in sorted order, plus `enabled` when the item enables.
    ///
    /// `layout` is ``layout(of:)`` of the item's diff (`nil`: not a plain diff, sort first).
    static func appendSparse(_ item: PlanItem, layout: UInt64?, after: Bool, to out: inout JSONWriter) {
        guard let layout else { return appendSparseSorting(item, after: after, to: &out) }
        let diff = item.diff
        out.raw("{")
        var first = true
        for rank in 0..<8 {
            if rank == enabledRank {
                guard item.enable, after || item.enabledRead != nil else { continue }
                if !first { out.raw(",") }
                first = false
                out.raw("\"enabled\":")
                out.bool(after || item.enabledRead == true)
                continue
            }
            var previous: [String]?
            for (index, change) in diff.enumerated() where Int((layout >> (3 * UInt64(index))) & 7) == rank {
                guard let value = after ? change.after : change.before else { continue }
                let keys = change.path
                guard rank == configDataRank else {
                    if !first { out.raw(",") }
                    first = false
                    out.string(keys[0])
                    out.raw(":")
                    out.value(value)
                    continue
                }
                var common = 0
                if let previous {
                    // Close the objects the previous value was in that this one is not.
                    while common < previous.count - 2, common < keys.count - 2, previous[common + 1] == keys[common + 1]
                    {
                        common += 1
                    }
                    for _ in common..<(previous.count - 2) { out.raw("}") }
                    out.raw(",")
                } else {
                    if !first { out.raw(",") }
                    first = false
                    out.raw("\"configData\":{")
                }
                for key in keys[(common + 1)..<(keys.count - 1)] {
                    out.string(key)
                    out.raw(":{")
                }
                out.string(keys[keys.count - 1])
                out.raw(":")
                out.value(value)
                previous = keys
            }
            if let previous {
                for _ in 0..<(previous.count - 1) { out.raw("}") }
            }
        }
        out.raw("}")
    }

    /// The places of `configData` and `enabled` among the sorted top-level members
    /// (configData, destination, destinationId, enabled, entityId, entityType,
    /// integrationCredentialsId, name).
    private static let configDataRank = 0
    private static let enabledRank = 3

    /// The sorted place of a top-level field name (`nil` for any other text, `enabled` included:
    /// it is never a diff path).
    private static func rank(of name: String) -> Int? {
        let (rank, expected): (Int, String) =
            switch name.utf8.count {
            case 4: (7, "name")
            case 8: (4, "entityId")
            case 10: name.utf8.first == UInt8(ascii: "c") ? (0, "configData") : (5, "entityType")
            case 11: (1, "destination")
            case 13: (2, "destinationId")
            case 24: (6, "integrationCredentialsId")
            default: (-1, "")
            }
        return rank >= 0 && name == expected ? rank : nil
    }

    /// Each diff entry's top-level member's sorted place, three bits per entry, when every path is
    /// a top-level field (once) or a configData key path, the configData paths in strictly
    /// increasing order and none inside another (what the planner makes): then
    /// ``appendSparse(_:layout:after:to:)`` writes without sorting. `nil` otherwise.
    static func layout(of diff: [FieldChange]) -> UInt64? {
        guard diff.count <= 21 else { return nil }
        var layout: UInt64 = 0
        var previous: [String]?
        var seen = 0
        for (index, change) in diff.enumerated() {
            let path = change.path
            guard let head = path.first, let rank = rank(of: head) else { return nil }
            if rank == configDataRank {
                guard path.count > 1 else { return nil }
                if let previous {
                    guard previous.lexicographicallyPrecedes(path), !path.starts(with: previous) else { return nil }
                }
                previous = path
            } else {
                guard path.count == 1, seen & (1 << rank) == 0 else { return nil }
                seen |= 1 << rank
            }
            layout |= UInt64(rank) << (3 * UInt64(index))
        }
        return layout
    }

    /// ``appendSparse(_:after:to:)`` for any diff (one read from a file): the paths sorted first.
    private static func appendSparseSorting(_ item: PlanItem, after: Bool, to out: inout JSONWriter) {
        out.object(after ? item.after : item.before)
    }

    /// The fields in the order their names sort (the canonical member order).
    private static let fieldsByName = ConfigField.allCases.sorted { $0.rawValue < $1.rawValue }

    static func append(_ change: ConfigChange, to out: inout JSONWriter) {
        out.raw("{")
        if !change.patch.isNone {
            out.raw("\"configDataPatch\":")
            out.redactedPatch(change.patch)
            out.raw(",")
        }
        out.raw("\"enable\":")
        out.bool(change.enable)
        out.raw(",\"fields\":{")
        var first = true
        forEachField(of: change) { field, value in
            if !first { out.raw(",") }
            first = false
            appendField(field, value, to: &out)
        }
        out.raw("}}")
    }

    /// The change's fields in name order (the canonical member order); a lone field (the common
    /// case) without looking each name up.
    private static func forEachField(of change: ConfigChange, _ body: (ConfigField, FieldValue) -> Void) {
        if change.fields.count == 1, let (field, value) = change.fields.first { return body(field, value) }
        for field in fieldsByName {
            guard let value = change.fields[field] else { continue }
            body(field, value)
        }
    }

    private static func appendField(_ field: ConfigField, _ value: FieldValue, to out: inout JSONWriter) {
        out.string(field.rawValue)
        out.raw(":")
        switch value {
        case .set(let text): out.string(text)
        case .clear: out.raw("null")
        }
    }
}

/// Write-once slots filled by parallel workers, each slot by exactly one worker.
final class ParallelSlots<Element>: @unchecked Sendable {
    private let storage: UnsafeMutableBufferPointer<Element?>

    init(count: Int) {
        storage = .allocate(capacity: count)
        storage.initialize(repeating: nil)
    }

    deinit {
        storage.deinitialize()
        storage.deallocate()
    }

    subscript(index: Int) -> Element? {
        get { storage[index] }
        set { storage[index] = newValue }
    }

    /// The element at `index`, moved out (the slot is left empty).
    func take(_ index: Int) -> Element? {
        precondition(index >= 0 && index < storage.count)
        let slot = storage.baseAddress.unsafelyUnwrapped.advanced(by: index)
        let value = slot.move()
        slot.initialize(to: nil)
        return value
    }
}
