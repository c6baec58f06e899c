import Crypto

/// The plan file's form of a plan item, and the plan fingerprint defined over it.
///
/// An item is one JSON object (``json(of:)``), written canonically by ``JSONWriter`` (compact,
/// keys sorted): one line of the plan file's `items`. ``PlanDecoding`` reads it back.
public enum PlanEncoding {
    /// The item as a plan file holds it: every member, `before` and `after` repeating the diff as
    /// nested objects, secret values as fingerprints.
    static func json(of item: PlanItem) -> JSONValue {
        var members: [String: JSONValue] = [
            "after": .object(item.after),
            "before": .object(item.before),
            "change": item.change.recorded,
            "destination": .string(item.destination),
            "diff": .array(
                item.diff.map { change in
                    var entry: [String: JSONValue] = [
                        "path": .array(change.path.map(JSONValue.string)), "secret": .bool(change.secret),
                    ]
                    if let before = change.before { entry["before"] = before }
                    if let after = change.after { entry["after"] = after }
                    return .object(entry)
                }),
            "enable": .bool(item.enable),
            "entityType": .string(item.entityType),
            "id": .string(item.id),
            "inputLines": .array(item.inputLines.map { .integer(Int64($0)) }),
            "status": .string(item.status.rawValue),
            "versionRead": .integer(item.versionRead),
            "wave": .integer(Int64(item.wave)),
        ]
        if let expected = item.expectedVersion { members["expectedVersion"] = .integer(expected) }
        if let name = item.name { members["name"] = .string(name) }
        return .object(members)
    }

    /// The canonical text of one item: its line in the plan file.
    public static func canonicalText(of item: PlanItem) -> String {
        String(decoding: canonicalBytes(of: item), as: UTF8.self)
    }

    static func canonicalBytes(of item: PlanItem) -> [UInt8] {
        var writer = JSONWriter()
        writer.value(json(of: item))
        return writer.bytes
    }

    /// The plan fingerprint: lower-case hex SHA-256 over the items' canonical texts, in plan
    /// order, each followed by a line feed.
    public static func fingerprint(of items: [PlanItem]) -> String {
        var hasher = SHA256()
        for item in items {
            hasher.update(data: canonicalBytes(of: item))
            hasher.update(data: [0x0A])
        }
        return Digests.hex(hasher.finalize())
    }
}
