/// Rows kept apart from the list they go into (the rows a part of a change-list read has beyond
/// its region's room: ``RegionRows``), so that they can be moved, not copied, into it: a copy
/// retains every string and dictionary a row holds, and releases them again with the original.
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
    private func reserve(_ total: Int) {
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

    /// Moves every row, in order and `lineOffset` lines further down, into the uninitialized
    /// memory at `destination` (room for ``count`` rows); the store is empty afterwards.
    func moveAll(to destination: UnsafeMutablePointer<ChangeRow>, lineOffset: Int) {
        for index in 0..<count { (base + index).pointee.line += lineOffset }
        destination.moveInitialize(from: base, count: count)
        count = 0
    }
}

/// The rows one part of a change-list read produces, written into the part's region of the list's
/// own storage (no copy to move into the list later), and kept apart once the region is full.
///
/// It does not own the region: its rows are moved out (``moveAll(to:lineOffset:)``) or destroyed
/// (``discard()``) before the storage goes.
final class RegionRows: @unchecked Sendable {
    private let base: UnsafeMutablePointer<ChangeRow>
    private let capacity: Int
    /// The rows in the region.
    private var count = 0
    /// The rows beyond the region's room.
    private var overflow: RowStore?

    init(_ base: UnsafeMutablePointer<ChangeRow>, capacity: Int) {
        self.base = base
        self.capacity = capacity
    }

    /// Whether some rows did not fit the region.
    var spilled: Bool { overflow != nil }

    /// The number of rows held.
    var total: Int { count + (overflow?.count ?? 0) }

    func append(_ row: consuming ChangeRow) {
        if count < capacity {
            (base + count).initialize(to: row)
            count += 1
            return
        }
        let overflow = overflow ?? RowStore()
        self.overflow = overflow
        overflow.append(row)
    }

    /// Moves every row (the region's, then the others), in order and `lineOffset` lines further
    /// down, into the uninitialized memory at `destination`, which may overlap the region from
    /// below (`moveInitialize` moves overlapping ranges as memmove does); returns how many.
    func moveAll(to destination: UnsafeMutablePointer<ChangeRow>, lineOffset: Int) -> Int {
        let moved = count
        if destination != base { destination.moveInitialize(from: base, count: moved) }
        for index in 0..<moved { (destination + index).pointee.line += lineOffset }
        count = 0
        guard let overflow else { return moved }
        let more = overflow.count
        overflow.moveAll(to: destination + moved, lineOffset: lineOffset)
        self.overflow = nil
        return moved + more
    }

    /// Destroys the rows held (a read whose parts were not used).
    func discard() {
        base.deinitialize(count: count)
        count = 0
        overflow = nil
    }
}
