import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The POSIX file operations the run directory and the journal rely on for durability.
///
/// Foundation's file APIs neither fsync nor let us pick the mode at creation, so the few calls
/// that matter are made directly: files are created 0600, directories 0700, and a rename or a
/// new file is followed by an fsync of its directory.
enum DurableFiles {
    /// A POSIX call failed; `reason` is `strerror(errno)`.
    struct Failure: Error, Equatable {
        var operation: String
        var path: String
        var reason: String

        var message: String { "\(operation) \(path): \(reason)" }
    }

    static func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

    /// `open(2)` with `O_CLOEXEC`, retrying on EINTR.
    static func openFile(_ path: String, _ flags: Int32, mode: mode_t = 0o600) throws -> Int32 {
        while true {
            let fd = open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno == EINTR { continue }
            throw Failure(operation: "open", path: path, reason: errnoText())
        }
    }

    /// `close(2)`; returns whether it succeeded.
    @discardableResult
    static func closeFile(_ fd: Int32) -> Bool { close(fd) == 0 }

    /// Writes every byte of `bytes` at the current offset (or the end, with O_APPEND).
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            guard let base = bytes.baseAddress else { return }
            let written = write(fd, base + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw Failure(operation: "write", path: path, reason: errnoText())
            }
            offset += written
        }
    }

    /// `fdatasync(2)`: the data and the size reach the disk (not the modification time).
    static func dataSync(_ fd: Int32, path: String) throws {
        #if canImport(Glibc)
            let call = fdatasync
        #else
            let call = fsync
        #endif
        while call(fd) != 0 {
            if errno == EINTR { continue }
            throw Failure(operation: "fdatasync", path: path, reason: errnoText())
        }
    }

    /// `fsync(2)`.
    static func sync(_ fd: Int32, path: String) throws {
        while fsync(fd) != 0 {
            if errno == EINTR { continue }
            throw Failure(operation: "fsync", path: path, reason: errnoText())
        }
    }

    /// fsyncs a directory, so an entry created or renamed in it survives a crash.
    static func syncDirectory(_ path: String) throws {
        let fd = try openFile(path, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        try sync(fd, path: path)
    }

    /// Writes `data` to `url` atomically: a temporary file in the same directory (mode 0600),
    /// fsync, rename over the target, fsync of the directory. Readers see the old or the new file,
    /// never a part of one, even across a crash.
    static func writeAtomically(_ data: Data, to url: URL) throws {
        let directory = url.deletingLastPathComponent().path
        let temporary = directory + "/." + url.lastPathComponent + ".tmp-" + UUID().uuidString.prefix(8)
        let fd = try openFile(temporary, O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
        do {
            defer { close(fd) }
            try data.withUnsafeBytes { try writeAll(fd, $0, path: temporary) }
            try sync(fd, path: temporary)
        } catch {
            unlink(temporary)
            throw error
        }
        guard rename(temporary, url.path) == 0 else {
            let reason = errnoText()
            unlink(temporary)
            throw Failure(operation: "rename", path: url.path, reason: reason)
        }
        try syncDirectory(directory)
    }

    /// Creates a directory (and missing parents) with mode 0700; an existing directory is left as it is.
    static func makeDirectory(_ url: URL) throws {
        let path = url.standardizedFileURL.path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw Failure(operation: "mkdir", path: path, reason: "not a directory")
            }
            return
        }
        let parent = url.standardizedFileURL.deletingLastPathComponent()
        if parent.path != path { try makeDirectory(parent) }
        if mkdir(path, 0o700) != 0, errno != EEXIST {
            throw Failure(operation: "mkdir", path: path, reason: errnoText())
        }
        try syncDirectory(parent.path)
    }
}
