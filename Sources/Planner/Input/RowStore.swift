/// Rows one part of a change-list read has produced, kept so that they can be moved (not copied)
/// into the list: copying half a million rows retained every string and dictionary they hold,
/// each touched for the first time on this core (0.16–0.20 s for a million-row list).
final class RowStore: @unchecked Sendable {
    private var base: UnsafeMutablePointer<ChangeRow>
    private var capacity: Int
    /// The number of rows held.
    private(set) var count = 0

    init(capacity: Int = 1_024) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    /// Makes room for `total` rows in all.
    func reserve(_ total: Int) {
        guard total > capacity else { return }
        let moved = UnsafeMutablePointer<ChangeRow>.allocate(capacity: total)
        moved.moveInitialize(from: base, count: count)
        base.deallocate()
        base = moved
        capacity = total
    }

    func append(_ row: consuming ChangeRow) {
        if count == capacity { reserve(capacity * 2) }
        (base + count).initialize(to: row)
        count += 1
    }

    /// Moves every row, in order and `lineOffset` lines further down, onto the end of `rows`;
    /// the store is empty afterwards.
    func moveAll(into rows: inout [ChangeRow], lineOffset: Int) {
        rows.reserveCapacity(rows.count + count)
        for index in 0..<count {
            // Shifted in place, then moved straight into the array: a row taken into a local
            // first was copied into the array (every string and dictionary retained) and the
            // local released.
            (base + index).pointee.line += lineOffset
            rows.append((base + index).move())
        }
        count = 0
    }

    /// Moves every row, in order and `lineOffset` lines further down, into the uninitialized
    /// memory at `destination` (room for ``count`` rows); the store is empty afterwards.
    func moveAll(to destination: UnsafeMutablePointer<ChangeRow>, lineOffset: Int) {
        for index in 0..<count { (base + index).pointee.line += lineOffset }
        destination.moveInitialize(from: base, count: count)
        count = 0
    }
}
