/// What the snapshot scan found in one run of consecutive configs (the whole list, or one of its
/// two lanes): where each config and its id are, the offsets of the members a plan reads, and
/// each id's hash for the id table.
struct ScannedConfigs: Sendable {
    /// Where each config and its id are.
    var entries: [SnapshotScanner.Entry] = []
    /// ``ConfigSpans/slotCount`` offsets per config (see ``SnapshotScanner``).
    var spans: [Int32] = []
    /// ``SnapshotIndex/hash(_:)`` of each config's id.
    var hashes: [UInt64] = []

    /// Room for about `configs` configs.
    init(reserving configs: Int = 0) {
        entries.reserveCapacity(configs)
        spans.reserveCapacity(configs * ConfigSpans.slotCount)
        hashes.reserveCapacity(configs)
    }

    var count: Int { entries.count }
}
