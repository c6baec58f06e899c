/// Computes one config's planned item from its merged change: the diff/status stage of planning.
package enum ItemBuilder {
    /// The item for `config` changed by `merged`: its diff (configData compared down to its leaves,
    /// secrets as fingerprints) and status.
    package static func item(for config: IntegrationConfig, merged: MergedChange) -> PlanItem {
        let change = merged.change
        let diff = ConfigDiff.diff(from: config, to: change.applied(to: config))
        let enable = change.enable && config.enabled != true
        let status: PlanItemStatus = !diff.isEmpty ? .update : enable ? .enableOnly : .unchanged
        return PlanItem(
            id: config.id, name: config.name, entityType: config.entityType, destination: config.destination,
            versionRead: config.version, expectedVersion: merged.expectedVersion, diff: diff, enable: enable,
            enabledRead: config.enabled, wave: merged.wave, inputLines: merged.lines, status: status, change: change,
            reads: merged.reads.filter { read in !diff.contains { $0.path == read.path } })
    }
}
