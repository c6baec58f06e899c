import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The id table of a snapshot file: config index by id hash, open addressing.
///
/// Each slot holds the high 32 bits of its id's hash (a tag) above the config index + 1 (0: an
/// empty slot); the capacity is a power of two of at least twice the configs, the low bits of the
/// hash pick the first slot. A probe looks at the config (its entry and its id's bytes) only when
/// the tags agree, so building the table and missing a slot touch nothing but the table. A large
/// table sits on huge pages where the system offers them (fewer TLB misses for random probes).
final class IDTable: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<UInt64>
    /// The mapping holding `slots` (`nil`: allocated on the heap).
    private let mapping: UnsafeMutableRawBufferPointer?

    /// Tables at least this large are mapped (and offered huge pages); smaller ones are allocated.
    private static let hugePage = 2 << 20

    private static let tagMask: UInt64 = 0xFFFF_FFFF_0000_0000

    /// Enters the configs `0..<count` (their ids' hashes in order, across `hashes`' parts).
    ///
    /// A repeated id keeps one slot, the later config's (as a decoded snapshot's lookup finds it):
    /// `same(a, b)` tells whether configs `a` and `b` have the same id, asked only when their tags
    /// agree.
    init(hashes: [[UInt64]], same: (Int, Int) -> Bool) {
        let count = hashes.reduce(0) { $0 + $1.count }
        precondition(count < Int(UInt32.max), "more configs than a 32-bit index holds")
        var capacity = 16
        while capacity < count * 2 { capacity <<= 1 }
        let bytes = capacity * MemoryLayout<UInt64>.stride
        if bytes >= Self.hugePage, let (mapping, aligned) = Self.map(bytes) {
            // Anonymous pages are zero: every slot starts empty.
            self.mapping = mapping
            slots = UnsafeMutableBufferPointer(start: aligned.assumingMemoryBound(to: UInt64.self), count: capacity)
        } else {
            mapping = nil
            slots = .allocate(capacity: capacity)
            slots.initialize(repeating: 0)
        }
        let mask = capacity - 1
        var index = 0
        for part in hashes {
            for hash in part {
                let tag = hash & Self.tagMask
                var slot = Int(truncatingIfNeeded: hash) & mask
                while slots[slot] != 0 {
                    let other = slots[slot]
                    if other & Self.tagMask == tag, same(Int(truncatingIfNeeded: other & 0xFFFF_FFFF) - 1, index) {
                        break
                    }
                    slot = (slot + 1) & mask
                }
                slots[slot] = tag | UInt64(index + 1)
                index += 1
            }
        }
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
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let found = slots[slot]
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
