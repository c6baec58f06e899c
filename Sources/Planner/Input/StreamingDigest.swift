import Crypto

/// The SHA-256 of a mapped file, computed while the file is parsed.
///
/// Hashing the bytes just parsed (still in the CPU cache) instead of the whole file up front reads
/// the file once, and lets ``MappedFile/release(upTo:)`` hand pages back to the kernel as soon as
/// they are both parsed and hashed, so a large input is never resident all at once.
struct StreamingDigest {
    private let file: MappedFile
    private var hasher = SHA256()
    private var hashed = 0

    init(_ file: MappedFile) {
        self.file = file
    }

    /// Hashes the bytes up to `offset` (not hashed yet) and releases what is behind it.
    mutating func advance(to offset: Int) {
        let end = min(offset, file.bytes.count)
        guard end > hashed else { return }
        hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: file.bytes[hashed..<end]))
        hashed = end
        file.release(upTo: end)
    }

    /// Lower-case hex SHA-256 of the whole file (the rest is hashed now).
    mutating func finalize() -> String {
        advance(to: file.bytes.count)
        return Digests.hex(hasher.finalize())
    }
}

// A value (swift-crypto's hasher copies its state on write); only one reader at a time advances a
// given digest, and only that one hands the file's pages back.
extension StreamingDigest: @unchecked Sendable {}
