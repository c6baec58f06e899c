import Crypto
import Foundation

/// The canonical JSON encoding of plan items: compact, keys sorted, secrets as fingerprints.
///
/// The plan file's items are written in exactly this encoding, one per line, and the plan's
/// fingerprint is the SHA-256 over them (each followed by a line feed). It is the same JSON a
/// `JSONEncoder` with sorted keys would write for ``PlanItem``'s `Codable` form, produced without
/// the encoder's overhead (a million items encode in about a second).
public enum PlanEncoding {
    /// The canonical text of one item.
    public static func canonicalText(of item: PlanItem) -> String {
        var writer = JSONWriter()
        append(item, to: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// The plan fingerprint: lower-case hex SHA-256 over the items' canonical encodings, each
    /// followed by a line feed (exactly the item lines of a plan file).
    ///
    /// Large plans encode their items on every core, in batches, and hash the batches in order.
    public static func fingerprint(of items: [PlanItem]) -> String {
        var hasher = SHA256()
        forEachEncodedBatch(of: items) { bytes in
            bytes.withUnsafeBytes { hasher.update(data: $0) }
        }
        return Digests.hex(hasher.finalize())
    }

    /// Calls `body` with the canonical encodings of consecutive runs of items, in order: each
    /// item followed by a line feed, or (`asArrayElements`) preceded by `\n` / `,\n`. Encoding runs in parallel; `body` is called on this thread.
    static func forEachEncodedBatch(
        of items: [PlanItem], asArrayElements: Bool = false, _ body: ([UInt8]) throws -> Void
    ) rethrows {
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
                    if asArrayElements { writer.raw(index == 0 ? "\n" : ",\n") }
                    append(items[index], to: &writer)
                    if !asArrayElements { writer.raw("\n") }
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
        out.object(item.after)
        out.raw(",\"before\":")
        out.object(item.before)
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
