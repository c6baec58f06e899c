/// The rows that target one config, merged into one change.
package struct MergedChange: Sendable, Equatable {
    package var change: ConfigChange
    package var expectedVersion: Int64?
    package var wave: Int
    package var lines: [Int]
    /// The config's values the rows' templates read (``TemplateRenderer``).
    package var reads: [FieldRead]

    package init(
        change: ConfigChange, expectedVersion: Int64? = nil, wave: Int = 0, lines: [Int], reads: [FieldRead] = []
    ) {
        self.change = change
        self.expectedVersion = expectedVersion
        self.wave = wave
        self.lines = lines
        self.reads = reads
    }
}

/// Merges every row that resolved to one config, reporting rows that disagree.
package enum ChangeMerger {
    /// The change of a config that only one row targets (nothing to merge, nothing to conflict).
    package static func merge(_ row: ChangeRow) -> MergedChange {
        MergedChange(change: row.change, expectedVersion: row.expectedVersion, wave: row.wave ?? 0, lines: [row.line])
    }

    /// Merges `rows` (in input order) for config `configID`; disagreements go to `conflicts`.
    package static func merge(_ rows: [ChangeRow], configID: String, conflicts: inout ConflictCollector) -> MergedChange
    {
        guard rows.count > 1 else { return merge(rows[0]) }
        var fields: [ConfigField: (value: FieldValue, line: Int)] = [:]
        var leaves: [(leaf: PatchLeaf, line: Int)] = []
        var enable = false
        var expected: (value: Int64, line: Int)?
        var wave: (value: Int, line: Int)?
        var lines: [Int] = []
        for row in rows {
            lines.append(row.line)
            for (field, value) in row.change.fields.sorted(by: { $0.key < $1.key }) {
                if let existing = fields[field] {
                    if existing.value != value {
                        conflicts.report(
                            first: existing.line, second: row.line, what: field.rawValue, configID: configID)
                    }
                } else {
                    fields[field] = (value, row.line)
                }
            }
            if let patch = row.change.configDataPatch {
                for leaf in PatchLeaves.flatten(patch) {
                    var duplicate = false
                    for other in leaves {
                        if other.leaf == leaf {
                            duplicate = true
                        } else if PatchLeaves.conflict(other.leaf, leaf) {
                            let path = leaf.path.count <= other.leaf.path.count ? leaf.path : other.leaf.path
                            conflicts.report(
                                first: other.line, second: row.line,
                                what: (["configData"] + path).joined(separator: "."), configID: configID)
                        }
                    }
                    if !duplicate { leaves.append((leaf, row.line)) }
                }
            }
            enable = enable || row.change.enable
            if let version = row.expectedVersion {
                if let expected, expected.value != version {
                    conflicts.report(
                        first: expected.line, second: row.line, what: "expectedVersion", configID: configID)
                } else if expected == nil {
                    expected = (version, row.line)
                }
            }
            if let rowWave = row.wave {
                if let wave, wave.value != rowWave {
                    conflicts.report(first: wave.line, second: row.line, what: "wave", configID: configID)
                } else if wave == nil {
                    wave = (rowWave, row.line)
                }
            }
        }
        let change = ConfigChange(
            fields: fields.mapValues(\.value), configDataPatch: PatchLeaves.build(leaves.map(\.leaf)), enable: enable)
        return MergedChange(
            change: change, expectedVersion: expected?.value, wave: wave?.value ?? 0,
            lines: Array(Set(lines)).sorted())
    }
}
