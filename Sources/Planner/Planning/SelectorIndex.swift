/// Finds the configs a selector targets, building lookup tables on first use.
struct SelectorIndex {
    let snapshot: Snapshot
    private var byID: [String: Int32]?
    private var byField: [ConfigField: [String: [Int32]]] = [:]

    init(snapshot: Snapshot) {
        self.snapshot = snapshot
    }

    /// The snapshot index of the config with this id (as written, else lower-cased).
    mutating func target(ofID id: String) -> Int32? {
        if case .indexed(let index) = snapshot.storage {
            return index.index(ofRowID: id).map(Int32.init)
        }
        if byID == nil {
            var table: [String: Int32] = [:]
            table.reserveCapacity(snapshot.count)
            for (index, config) in snapshot.configs.enumerated() { table[config.id] = Int32(index) }
            byID = table
        }
        return byID?[id] ?? byID?[id.lowercased()]
    }

    /// Snapshot indices of the configs whose fields equal all of `fields`, in snapshot order.
    mutating func targets(matching fields: [ConfigField: String?]) -> [Int32] {
        let sorted = fields.sorted { $0.key < $1.key }
        guard let first = sorted.first else { return [] }
        let candidates = table(for: first.key)[Self.key(first.value)] ?? []
        guard sorted.count > 1 else { return candidates }
        return candidates.filter { index in
            sorted.dropFirst().allSatisfy { field, value in
                Self.key(string(of: field, at: Int(index))) == Self.key(value)
            }
        }
    }

    /// The field's value as a match compares it.
    private func string(of field: ConfigField, at index: Int) -> String? {
        switch snapshot.storage {
        case .decoded(let configs): configs[index].value(of: field)?.stringValue
        case .indexed(let snapshot): snapshot.string(of: field, at: index)
        }
    }

    /// Absent and empty values are one key (`\N` in a match cell matches both).
    private static func key(_ value: String?) -> String {
        guard let value, !value.isEmpty else { return "\u{0}" }
        return value
    }

    private mutating func table(for field: ConfigField) -> [String: [Int32]] {
        if let table = byField[field] { return table }
        var table: [String: [Int32]] = [:]
        for index in 0..<snapshot.count {
            table[Self.key(string(of: field, at: index)), default: []].append(Int32(index))
        }
        byField[field] = table
        return table
    }
}
