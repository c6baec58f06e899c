/// Finds the configs a selector targets, building per-field lookup tables on first use.
struct SelectorIndex {
    let configs: [IntegrationConfig]
    private var byID: [String: Int32]?
    private var byField: [ConfigField: [String: [Int32]]] = [:]

    init(configs: [IntegrationConfig]) {
        self.configs = configs
    }

    /// Snapshot indices of the configs `selector` targets, in snapshot order.
    mutating func targets(of selector: Selector) -> [Int32] {
        switch selector {
        case .id(let id):
            if byID == nil {
                var table: [String: Int32] = [:]
                table.reserveCapacity(configs.count)
                for (index, config) in configs.enumerated() { table[config.id] = Int32(index) }
                byID = table
            }
            if let hit = byID?[id] ?? byID?[id.lowercased()] { return [hit] }
            return []
        case .match(let fields):
            let sorted = fields.sorted { $0.key < $1.key }
            guard let first = sorted.first else { return [] }
            let candidates = table(for: first.key)[Self.key(first.value)] ?? []
            guard sorted.count > 1 else { return candidates }
            return candidates.filter { index in
                sorted.dropFirst().allSatisfy { field, value in
                    Self.key(configs[Int(index)].value(of: field)?.stringValue) == Self.key(value)
                }
            }
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
        for (index, config) in configs.enumerated() {
            table[Self.key(config.value(of: field)?.stringValue), default: []].append(Int32(index))
        }
        byField[field] = table
        return table
    }
}
