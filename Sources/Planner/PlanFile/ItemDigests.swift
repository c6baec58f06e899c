import Crypto
import Foundation

/// The SHA-256 digest of every item's digest form, filled by parallel workers (each
/// position exactly once), and the plan fingerprint over them (``PlanEncoding``).
final class ItemDigests: @unchecked Sendable {
    private static let size = 32
    private let storage: UnsafeMutableRawBufferPointer
    let count: Int

    init(count: Int) {
        self.count = count
        // Left as allocated: every position is written exactly once before the fingerprint reads
        // them (and the pages are first touched by the workers that fill them, in parallel).
        storage = .allocate(byteCount: max(count, 1) * Self.size, alignment: 8)
    }

    deinit {
        storage.deallocate()
    }

    /// Writes the digest form of `item` with `writer` (its buffer is reused) and records its
    /// digest at `position`.
    func record(_ item: PlanItem, at position: Int, using writer: inout JSONWriter) {
        writer.removeAll()
        PlanEncoding.appendDigestForm(item, to: &writer)
        record(writer.withBytes { SHA256.hash(data: $0) }, at: position)
    }

    /// Records the digest of one item's encoding at `position`.
    func record(_ digest: SHA256.Digest, at position: Int) {
        precondition(position >= 0 && position < count)
        let target = UnsafeMutableRawBufferPointer(
            rebasing: storage[(position * Self.size)..<((position + 1) * Self.size)])
        if Self.digestIsItsBytes {
            // Copied as the value it is (the library's `withUnsafeBytes` is a generic call, not
            // inlined here: a tenth of a microsecond an item).
            withUnsafeBytes(of: digest) { target.copyMemory(from: $0) }
        } else {
            digest.withUnsafeBytes { target.copyMemory(from: $0) }
        }
    }

    /// Whether a digest value is stored as its 32 bytes in order (as swift-crypto holds it),
    /// checked once against the library's own view of them.
    static let digestIsItsBytes: Bool = {
        let digest = SHA256.hash(data: Array("fingerprint".utf8))
        return MemoryLayout<SHA256.Digest>.size == size
            && withUnsafeBytes(of: digest) { Array($0) } == digest.withUnsafeBytes { Array($0) }
    }()

    /// Lower-case hex SHA-256 over every digest, in position order.
    func fingerprint() -> String {
        Digests.hex(SHA256.hash(data: UnsafeRawBufferPointer(rebasing: storage[0..<(count * Self.size)])))
    }
}
