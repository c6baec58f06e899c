import Crypto
import Foundation

/// The canonical JSON encoding of plan items: compact, keys sorted, secrets as fingerprints.
///
/// The plan file's items are written in exactly this encoding, one per line. The plan's
/// fingerprint is the SHA-256 over the items' own SHA-256 digests (32 bytes each, in plan order),
/// each digest taken over one item's encoding: items are encoded and hashed on every core, in
/// any order, and only the 32-byte digests are hashed in sequence. It is the same JSON a
/// `JSONEncoder` with sorted keys writes for ``PlanItem``'s `Codable` form, produced without the
/// encoder's overhead.
public enum PlanEncoding {
    /// The canonical text of one item.
    public static func canonicalText(of item: PlanItem) -> String {
        var writer = JSONWriter()
        append(item, to: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// The plan fingerprint: lower-case hex SHA-256 over the SHA-256 digests of the items'
    /// canonical encodings, in order.
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

    static func append(_ item: PlanItem, to out: inout JSONWriter) {
        out.raw("{\"after\":")
        appendSparse(item, after: true, to: &out)
        out.raw(",\"before\":")
        appendSparse(item, after: false, to: &out)
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
        for (index, line) in item.inputLines.enumerated() {
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
    static func appendSparse(_ item: PlanItem, after: Bool, to out: inout JSONWriter) {
        let diff = item.diff
        // Indices of the entries with a value on this side, plus -1 for `enabled`, sorted by path.
        withUnsafeTemporaryAllocation(of: Int.self, capacity: diff.count + 1) { order in
            var count = 0
            func path(_ entry: Int) -> [String] { entry < 0 ? enabledPath : diff[entry].path }
            func insert(_ entry: Int) {
                var position = count
                while position > 0, path(entry).lexicographicallyPrecedes(path(order[position - 1])) {
                    order[position] = order[position - 1]
                    position -= 1
                }
                order[position] = entry
                count += 1
            }
            for (index, change) in diff.enumerated() where (after ? change.after : change.before) != nil {
                insert(index)
            }
            if item.enable, after || item.enabledRead != nil { insert(-1) }
            out.raw("{")
            var open: [String] = []
            var hasMember = [false]
            for position in 0..<count {
                let entry = order[position]
                let keys = path(entry)
                let value: JSONValue? =
                    entry < 0
                    ? .bool(after ? true : item.enabledRead ?? false) : after ? diff[entry].after : diff[entry].before
                var common = 0
                while common < open.count, common < keys.count - 1, open[common] == keys[common] { common += 1 }
                while open.count > common {
                    out.raw("}")
                    open.removeLast()
                    hasMember.removeLast()
                }
                for key in keys[common..<(keys.count - 1)] {
                    if hasMember[open.count] { out.raw(",") }
                    hasMember[open.count] = true
                    out.string(key)
                    out.raw(":{")
                    open.append(key)
                    hasMember.append(false)
                }
                if hasMember[open.count] { out.raw(",") }
                hasMember[open.count] = true
                out.string(keys[keys.count - 1])
                out.raw(":")
                if let value { out.value(value) }
            }
            for _ in open { out.raw("}") }
            out.raw("}")
        }
    }

    private static let enabledPath = ["enabled"]

    /// The fields in the order their names sort (the canonical member order).
    private static let fieldsByName = ConfigField.allCases.sorted { $0.rawValue < $1.rawValue }

    static func append(_ change: ConfigChange, to out: inout JSONWriter) {
        out.raw("{")
        if let patch = change.configDataPatch {
            out.raw("\"configDataPatch\":")
            out.value(patch.objectValue.map { .object(Secrets.redact($0)) } ?? patch)
            out.raw(",")
        }
        out.raw("\"enable\":")
        out.bool(change.enable)
        out.raw(",\"fields\":{")
        var first = true
        for field in fieldsByName {
            guard let value = change.fields[field] else { continue }
            if !first { out.raw(",") }
            first = false
            out.string(field.rawValue)
            out.raw(":")
            switch value {
            case .set(let text): out.string(text)
            case .clear: out.raw("null")
            }
        }
        out.raw("}}")
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
}
