import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A read-only view of a file's bytes, memory-mapped when possible.
///
/// Large inputs (a million-row change list, a million-config snapshot) are parsed straight from
/// the mapping: nothing is decoded as one `String`, and ``release(upTo:)`` hands pages already
/// parsed back to the kernel so the resident size stays flat while streaming.
public final class MappedFile: @unchecked Sendable {
    /// The file's bytes (empty for an empty file).
    public let bytes: UnsafeRawBufferPointer
    private let mapped: Bool
    private var released = 0

    /// Maps `url` (or reads it into memory when it cannot be mapped, e.g. a pipe).
    ///
    /// - Throws: ``InputError/unreadable(path:reason:)``.
    public init(url: URL) throws(InputError) {
        let path = url.path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG {
            let size = Int(info.st_size)
            if size == 0 {
                bytes = UnsafeRawBufferPointer(start: nil, count: 0)
                mapped = false
                return
            }
            if let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), address != MAP_FAILED {
                _ = madvise(address, size, MADV_SEQUENTIAL)
                bytes = UnsafeRawBufferPointer(start: address, count: size)
                mapped = true
                return
            }
        }
        do {
            let data = try FileHandle(fileDescriptor: fd, closeOnDealloc: false).readToEnd() ?? Data()
            let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(data.count, 1), alignment: 1)
            data.copyBytes(to: copy)
            bytes = UnsafeRawBufferPointer(start: copy.baseAddress, count: data.count)
            mapped = false
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
    }

    /// Copies `data` (tests and in-memory inputs).
    public init(data: Data) {
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(data.count, 1), alignment: 1)
        data.copyBytes(to: copy)
        bytes = UnsafeRawBufferPointer(start: copy.baseAddress, count: data.count)
        mapped = false
    }

    deinit {
        guard let base = bytes.baseAddress else { return }
        if mapped {
            munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
        } else {
            base.deallocate()
        }
    }

    /// Tells the kernel the bytes before `offset` will not be read again (mapped files only).
    public func release(upTo offset: Int) {
        guard mapped, let base = bytes.baseAddress else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let end = (min(offset, bytes.count) / page) * page
        guard end - released >= 32 << 20 else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + released), end - released, MADV_DONTNEED)
        released = end
    }

    /// Tells the kernel the whole pages in `start..<end` will not be read again (mapped files
    /// only). Unlike ``release(upTo:)`` it keeps no state, so concurrent readers of disjoint
    /// ranges may call it.
    public func release(from start: Int, upTo end: Int) {
        guard mapped, let base = bytes.baseAddress else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let first = (max(start, 0) + page - 1) / page * page
        let last = (min(end, bytes.count) / page) * page
        guard last > first else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + first), last - first, MADV_DONTNEED)
    }

    /// Lower-case hex SHA-256 of the whole file.
    public var sha256: String { Digests.sha256Hex(bytes) }
}
