import Crypto

/// The plan file's form of a plan item, and the plan fingerprint defined over it.
///
/// An item is one JSON object in canonical form (compact, keys sorted, as ``JSONWriter`` writes
/// every value): one line of the plan file's `items`. ``PlanDecoding`` reads it back.
package enum PlanEncoding {
    /// Writes the item as a plan file holds it: every member (in key order, as canonical JSON
    /// requires), secret values as fingerprints, and (`states`) `before` and `after`, which repeat
    /// the diff as nested objects for a reader of the file.
    static func write(_ item: PlanItem, states: Bool = true, to out: inout JSONWriter) {
        if states {
            out.raw("{\"after\":")
            out.object(item.after)
            out.raw(",\"before\":")
            out.object(item.before)
            out.raw(",")
        } else {
            out.raw("{")
        }
        out.raw("\"change\":")
        out.value(item.change.recorded)
        out.raw(",\"destination\":")
        out.string(item.destination)
        out.raw(",\"diff\":[")
        for (index, change) in item.diff.enumerated() {
            out.raw(index == 0 ? "{" : ",{")
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
            out.raw("\"path\":")
            out.value(.array(change.path.map(JSONValue.string)))
            out.raw(",\"secret\":")
            out.bool(change.secret)
            out.raw("}")
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
        out.raw(",\"inputLines\":")
        out.value(.array(item.inputLines.map { .integer(Int64($0)) }))
        if let name = item.name {
            out.raw(",\"name\":")
            out.string(name)
        }
        if !item.reads.isEmpty {
            out.raw(",\"reads\":[")
            for (index, read) in item.reads.enumerated() {
                out.raw(index == 0 ? "{" : ",{")
                out.raw("\"path\":")
                out.value(.array(read.path.map(JSONValue.string)))
                if let value = read.value {
                    out.raw(",\"value\":")
                    out.value(value)
                }
                out.raw("}")
            }
            out.raw("]")
        }
        out.raw(",\"status\":")
        out.string(item.status.rawValue)
        out.raw(",\"versionRead\":")
        out.integer(item.versionRead)
        out.raw(",\"wave\":")
        out.integer(Int64(item.wave))
        out.raw("}")
    }

    /// The canonical text of one item: its line in the plan file.
    package static func canonicalText(of item: PlanItem) -> String {
        String(decoding: canonicalBytes(of: item), as: UTF8.self)
    }

    static func canonicalBytes(of item: PlanItem) -> [UInt8] {
        var writer = JSONWriter()
        write(item, to: &writer)
        return writer.bytes
    }

    /// The plan fingerprint: lower-case hex SHA-256 over the items' canonical texts without
    /// `before` and `after` (they only repeat the diff, and reading a plan file checks them
    /// against it), in plan order, each followed by a line feed.
    package static func fingerprint(of items: [PlanItem]) -> String {
        var hasher = SHA256()
        // Encoded on every core a window at a time (the window's lines are then hashed in order).
        let window = 32_768
        for start in stride(from: 0, to: items.count, by: window) {
            let lines = Parallel.map(Array(items[start..<min(items.count, start + window)])) { item in
                var writer = JSONWriter()
                write(item, states: false, to: &writer)
                writer.raw("\n")
                return writer.bytes
            }
            for line in lines { hasher.update(data: line) }
        }
        return Digests.hex(hasher.finalize())
    }
}
