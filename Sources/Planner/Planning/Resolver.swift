/// Which configs a change list's rows target: the resolve stage of planning.
package struct Resolution: Sendable, Equatable {
    /// One targeted config and the rows that target it.
    package struct Target: Sendable, Equatable {
        /// The config's index in the snapshot.
        package var config: Int
        /// The indices of the rows that target it, in input order.
        package var rows: [Int]

        package init(config: Int, rows: [Int]) {
            self.config = config
            self.rows = rows
        }
    }

    /// The targeted configs, in the order rows first hit them.
    package var targets: [Target] = []
    /// Rows whose selector matches no config (warnings, or errors with `requireMatch`).
    package var diagnostics: [Diagnostic] = []
}

/// Resolves every row's selector (`id`, or `match.*` fields) against a snapshot.
package enum Resolver {
    /// The configs `rows` target in `snapshot`.
    ///
    /// An `id` is looked up as written, else lower-cased (the API's ids are lower-case UUIDs).
    /// `match.*` fields must all equal the config's (ANDed); `\N` matches an absent or empty field.
    package static func resolve(
        _ rows: [ChangeRow], in snapshot: Snapshot, file: String, options: PlanOptions
    ) -> Resolution {
        var index = SelectorIndex(configs: snapshot.configs)
        var resolution = Resolution()
        // The target of each config (-1: none yet).
        var targetOf = [Int](repeating: -1, count: snapshot.configs.count)
        let severity: Diagnostic.Severity = options.requireMatch ? .error : .warning
        for (rowIndex, row) in rows.enumerated() {
            let configs: [Int]
            switch row.selector {
            case .id(let id):
                configs = index.config(withID: id).map { [$0] } ?? []
                if configs.isEmpty {
                    resolution.diagnostics.append(
                        Diagnostic(severity, file: file, line: row.line, "no config with id \(id) in the org"))
                }
            case .match(let fields):
                configs = index.configs(matching: fields)
                if configs.isEmpty {
                    resolution.diagnostics.append(
                        Diagnostic(severity, file: file, line: row.line, "\(row.selector.summary) matches no config"))
                }
            }
            for config in configs {
                if targetOf[config] >= 0 {
                    resolution.targets[targetOf[config]].rows.append(rowIndex)
                } else {
                    targetOf[config] = resolution.targets.count
                    resolution.targets.append(Resolution.Target(config: config, rows: [rowIndex]))
                }
            }
        }
        return resolution
    }
}

extension Resolver {
    /// The configs whose fields equal all of `fields`, as `match.<field>` columns select them (in
    /// the order given; `nil` or an empty value matches an absent or empty field).
    package static func configs(_ configs: [IntegrationConfig], matching fields: [ConfigField: String?])
        -> [IntegrationConfig]
    {
        guard !fields.isEmpty else { return configs }
        var index = SelectorIndex(configs: configs)
        return index.configs(matching: fields).map { configs[$0] }
    }
}

/// Finds the configs a selector targets, building each lookup table on first use.
struct SelectorIndex {
    let configs: [IntegrationConfig]
    private var byID: [String: Int]?
    private var byField: [ConfigField: [String: [Int]]] = [:]

    init(configs: [IntegrationConfig]) {
        self.configs = configs
    }

    /// The index of the config with this id (as written, else lower-cased); with a repeated id,
    /// the later config.
    mutating func config(withID id: String) -> Int? {
        if byID == nil {
            var table: [String: Int] = [:]
            table.reserveCapacity(configs.count)
            for (index, config) in configs.enumerated() { table[config.id] = index }
            byID = table
        }
        return byID?[id] ?? byID?[id.lowercased()]
    }

    /// The indices of the configs whose fields equal all of `fields`, in snapshot order.
    mutating func configs(matching fields: [ConfigField: String?]) -> [Int] {
        let sorted = fields.sorted { $0.key < $1.key }
        guard let first = sorted.first else { return [] }
        let candidates = table(for: first.key)[Self.key(first.value)] ?? []
        return candidates.filter { index in
            sorted.dropFirst().allSatisfy { field, value in
                Self.key(configs[index].value(of: field)?.stringValue) == Self.key(value)
            }
        }
    }

    /// Absent and empty values are one key (`\N` in a match cell matches both).
    private static func key(_ value: String?) -> String {
        guard let value, !value.isEmpty else { return "\u{0}" }
        return value
    }

    private mutating func table(for field: ConfigField) -> [String: [Int]] {
        if let table = byField[field] { return table }
        var table: [String: [Int]] = [:]
        for (index, config) in configs.enumerated() {
            table[Self.key(config.value(of: field)?.stringValue), default: []].append(index)
        }
        byField[field] = table
        return table
    }
}
