import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The id table of a snapshot file: config index by id hash, open addressing.
///
/// Each slot holds the high 32 bits of its id's hash (a tag) above the config index + 1 (0: an
/// empty slot). The table has two halves, one for each value of the hash's top bit (so two lanes
/// can fill them at once), each a power of two of slots, at least as many as the configs; the low
/// bits of the hash pick the first slot in its half. A probe looks at the config (its entry and
/// its id's bytes) only when the tags agree, so building the table and missing a slot touch
/// nothing but the table. A large table sits on huge pages where the system offers them (fewer
/// TLB misses for random probes).
final class IDTable: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<UInt64>
    /// The mapping holding `slots` (`nil`: allocated on the heap).
    private let mapping: UnsafeMutableRawBufferPointer?
    /// Slots per half, minus one.
    private let mask: Int
    /// Whether two of the configs entered have the same id (the table holds the later one).
    let hasRepeatedIDs: Bool

    /// Tables at least this large are mapped (and offered huge pages); smaller ones are allocated.
    private static let hugePage = 2 << 20

    private static let tagMask: UInt64 = 0xFFFF_FFFF_0000_0000

    /// Tables for at least this many configs are filled on two lanes.
    static let parallelAbove = 1 << 16

    /// Enters the configs `0..<count` (their ids' hashes in order, across `hashes`' parts).
    ///
    /// A repeated id keeps one slot, the later config's (as a decoded snapshot's lookup finds it):
    /// `same(a, b)` tells whether configs `a` and `b` have the same id, asked only when their tags
    /// agree (from two threads at once for a large table).
    init(hashes: [[UInt64]], same: @Sendable (Int, Int) -> Bool) {
        let count = hashes.reduce(0) { $0 + $1.count }
        precondition(count < Int(UInt32.max), "more configs than a 32-bit index holds")
        var half = 8
        while half < count { half <<= 1 }
        let capacity = 2 * half
        let bytes = capacity * MemoryLayout<UInt64>.stride
        let slots: UnsafeMutableBufferPointer<UInt64>
        if bytes >= Self.hugePage, let (mapping, aligned) = Self.map(bytes) {
            // Anonymous pages are zero: every slot starts empty.
            self.mapping = mapping
            slots = UnsafeMutableBufferPointer(start: aligned.assumingMemoryBound(to: UInt64.self), count: capacity)
        } else {
            mapping = nil
            slots = .allocate(capacity: capacity)
            slots.initialize(repeating: 0)
        }
        self.slots = slots
        let mask = half - 1
        self.mask = mask
        if count >= Self.parallelAbove, ProcessInfo.processInfo.activeProcessorCount > 1 {
            let repeated = ParallelSlots<Bool>(count: 2)
            // (The lanes write disjoint halves of the table.)
            nonisolated(unsafe) let shared = slots
            DispatchQueue.concurrentPerform(iterations: 2) { lane in
                repeated[lane] = Self.fill(shared, mask: mask, top: UInt64(lane), hashes: hashes, same: same)
            }
            hasRepeatedIDs = repeated[0] == true || repeated[1] == true
        } else {
            hasRepeatedIDs = Self.fill(slots, mask: mask, top: nil, hashes: hashes, same: same)
        }
    }

    /// Enters the configs whose hash's top bit is `top` (`nil`: all), in order, into `slots`;
    /// `true` when one of them has the id of one entered before.
    private static func fill(
        _ slots: UnsafeMutableBufferPointer<UInt64>, mask: Int, top: UInt64?, hashes: [[UInt64]],
        same: (Int, Int) -> Bool
    ) -> Bool {
        let half = mask + 1
        var index = 0
        var repeated = false
        for part in hashes {
            for hash in part {
                defer { index += 1 }
                if let top, hash >> 63 != top { continue }
                let tag = hash & Self.tagMask
                let region = Int(truncatingIfNeeded: hash >> 63) * half
                var slot = Int(truncatingIfNeeded: hash) & mask
                while slots[region + slot] != 0 {
                    let other = slots[region + slot]
                    if other & Self.tagMask == tag, same(Int(truncatingIfNeeded: other & 0xFFFF_FFFF) - 1, index) {
                        repeated = true
                        break
                    }
                    slot = (slot + 1) & mask
                }
                slots[region + slot] = tag | UInt64(index + 1)
            }
        }
        return repeated
    }

    deinit {
        if let mapping {
            munmap(mapping.baseAddress, mapping.count)
        } else {
            slots.deallocate()
        }
    }

    /// The config whose id has this hash and for which `matches` (asked only on a tag match) is
    /// true, if any.
    @inline(__always)
    func index(ofHash hash: UInt64, where matches: (Int) -> Bool) -> Int? {
        let tag = hash & Self.tagMask
        let region = Int(truncatingIfNeeded: hash >> 63) * (mask + 1)
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let found = slots[region + slot]
            if found == 0 { return nil }
            if found & Self.tagMask == tag {
                let index = Int(truncatingIfNeeded: found & 0xFFFF_FFFF) - 1
                if matches(index) { return index }
            }
            slot = (slot + 1) & mask
        }
    }

    /// An anonymous mapping of at least `bytes` with a huge-page-aligned start inside, offered
    /// huge pages.
    private static func map(_ bytes: Int) -> (UnsafeMutableRawBufferPointer, UnsafeMutableRawPointer)? {
        let length = bytes + hugePage
        guard let address = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
            address != MAP_FAILED
        else { return nil }
        let aligned = (Int(bitPattern: address) + hugePage - 1) / hugePage * hugePage
        #if canImport(Glibc)
            _ = madvise(address, length, MADV_HUGEPAGE)
        #endif
        return (
            UnsafeMutableRawBufferPointer(start: address, count: length),
            UnsafeMutableRawPointer(bitPattern: aligned).unsafelyUnwrapped
        )
    }
}
