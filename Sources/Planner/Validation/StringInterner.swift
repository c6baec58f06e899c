import Foundation

/// Hands out one shared `String` per distinct cell text of a column, so a million rows naming the
/// same few credentials or destinations hold a few strings, not a million copies.
///
/// A small open-addressing table keyed by the raw UTF-8 bytes: a hit costs a hash and a compare, no
/// allocation. Columns whose values rarely repeat (URLs, ids) switch interning off after a trial,
/// so they pay for nothing but that trial. Every string comes with its slot in the table (`nil`
/// when it was not interned): equal slots mean equal strings, which lets callers share whole
/// values built from them.
struct StringInterner {
    /// The number of table slots (a power of two); at most half of them are filled.
    static let capacity = 4096

    /// After this many lookups interning stays on only if at least half of them were hits.
    private let trial: Int

    private var strings: [String?] = []
    private var hashes: [UInt64] = []
    private var filled = 0
    private var lookups = 0
    private var hits = 0
    private(set) var isEnabled = true

    init(trial: Int = 1 << 15) {
        self.trial = trial
    }

    /// The string for `bytes` (valid UTF-8) and its slot, when it is (now) in the table.
    mutating func intern(_ bytes: UnsafeRawBufferPointer) -> (text: String, slot: Int?) {
        intern(bytes, where: { _ in true }) ?? (Self.make(bytes), nil)
    }

    /// The string for `bytes` (valid UTF-8) and its slot, or `nil` when `isValid` rejects the
    /// bytes. `isValid` is only asked about texts not in the table yet (the table holds only
    /// texts it accepted), so an interner must always be used with the same test.
    mutating func intern(
        _ bytes: UnsafeRawBufferPointer, where isValid: (UnsafeRawBufferPointer) -> Bool
    ) -> (text: String, slot: Int?)? {
        guard isEnabled else { return isValid(bytes) ? (Self.make(bytes), nil) : nil }
        if strings.isEmpty {
            strings = Array(repeating: nil, count: Self.capacity)
            hashes = Array(repeating: 0, count: Self.capacity)
        }
        lookups += 1
        if lookups == trial, hits < lookups / 2 {
            isEnabled = false
            strings = []
            hashes = []
            return isValid(bytes) ? (Self.make(bytes), nil) : nil
        }
        let hash = Self.hash(bytes)
        var slot = Int(truncatingIfNeeded: hash) & (Self.capacity - 1)
        while let existing = strings[slot] {
            if hashes[slot] == hash, Self.equal(existing, bytes) {
                hits += 1
                return (existing, slot)
            }
            slot = (slot + 1) & (Self.capacity - 1)
        }
        guard isValid(bytes) else { return nil }
        let text = Self.make(bytes)
        guard filled < Self.capacity / 2 else { return (text, nil) }
        strings[slot] = text
        hashes[slot] = hash
        filled += 1
        return (text, slot)
    }

    private static func make(_ bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    private static func equal(_ text: String, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var text = text
        return text.withUTF8 { stored in
            guard stored.count == bytes.count else { return false }
            guard let left = stored.baseAddress, let right = bytes.baseAddress else { return true }
            return memcmp(left, right, stored.count) == 0
        }
    }

    /// A multiply-and-fold hash over 8-byte words (only ever compared within one process).
    private static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64(bytes.count)
        var index = 0
        while index + 8 <= bytes.count {
            hash = (hash ^ bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)) &* multiplier
            hash ^= hash >> 32
            index += 8
        }
        while index < bytes.count {
            hash = (hash ^ UInt64(bytes[index])) &* multiplier
            index += 1
        }
        hash ^= hash >> 29
        hash &*= 0xBF58_476D_1CE4_E5B9
        return hash ^ (hash >> 32)
    }
}
