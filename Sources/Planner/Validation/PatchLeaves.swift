/// One value a configData merge patch sets (or removes, when `null`) at a key path.
struct PatchLeaf: Sendable, Hashable {
    /// The key path inside configData; empty for the whole of configData.
    var path: [String]
    var value: JSONValue
}

/// Merge patches taken apart into leaves, compared, and put back together.
///
/// Conflicts between rows (or between cells of one row) are found leaf by leaf: two leaves
/// conflict when one path is a prefix of the other (or they are equal) and they do not agree.
enum PatchLeaves {
    /// The leaves of a merge patch: non-empty objects are descended into, anything else is a leaf.
    static func flatten(_ patch: JSONValue, prefix: [String] = []) -> [PatchLeaf] {
        guard case .object(let members) = patch, !members.isEmpty || prefix.isEmpty else {
            return [PatchLeaf(path: prefix, value: patch)]
        }
        var out: [PatchLeaf] = []
        for key in members.keys.sorted() {
            guard let value = members[key] else { continue }
            out += flatten(value, prefix: prefix + [key])
        }
        return out
    }

    /// Whether two leaves ask for incompatible results.
    static func conflict(_ a: PatchLeaf, _ b: PatchLeaf) -> Bool {
        let (short, long) = a.path.count <= b.path.count ? (a, b) : (b, a)
        guard long.path.starts(with: short.path) else { return false }
        if short.path.count == long.path.count { return short.value != long.value }
        // `{"a": {}}` only makes sure `a` is an object: it agrees with anything set inside `a`.
        return short.value != .object([:])
    }

    /// The merge patch that sets exactly these (non-conflicting) leaves; `nil` for no leaves.
    static func build(_ leaves: [PatchLeaf]) -> JSONValue? {
        guard !leaves.isEmpty else { return nil }
        if let root = leaves.first(where: { $0.path.isEmpty }), root.value != .object([:]) { return root.value }
        var object: [String: JSONValue] = [:]
        for leaf in leaves where !leaf.path.isEmpty {
            insert(leaf.value, at: leaf.path[...], into: &object)
        }
        return .object(object)
    }

    private static func insert(_ value: JSONValue, at path: ArraySlice<String>, into object: inout [String: JSONValue])
    {
        guard let key = path.first else { return }
        if path.count == 1 {
            if value == .object([:]), case .object = object[key] { return }
            object[key] = value
            return
        }
        var inner = object[key]?.objectValue ?? [:]
        insert(value, at: path.dropFirst(), into: &inner)
        object[key] = .object(inner)
    }
}
