import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The exclusive lock one process holds on a run directory while it applies or resumes the run.
///
/// An `flock(2)` on the file `lock` inside the directory, which names the holder's pid. The kernel
/// releases it when the process ends, however it ends, so `kill -9` never leaves a stale lock; it
/// is also released when the last copy of the ``RunDirectory`` holding it goes away.
public final class RunLock: Sendable {
    /// The lock file's name inside a run directory.
    public static let fileName = "lock"

    private let descriptor: Int32

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    /// Who holds a run directory's lock, as seen from another process.
    public enum Holder: Sendable, Hashable {
        /// No process applies or resumes the run.
        case none
        /// A process holds the lock; `pid` is what its lock file names (`nil` while it has not written it yet).
        case process(pid: Int32?)
    }

    /// Whether a process holds the lock of `directory` now, found without taking the lock over.
    ///
    /// A non-blocking *shared* `flock` on the lock file: it fails while an `apply` or `resume` holds
    /// its exclusive lock; when it succeeds nobody does, and it is released at once. (For those
    /// microseconds an `apply` or `resume` starting on the directory would be refused as if the
    /// directory were in use: nothing is sent, and running it again works.) A missing lock file means
    /// no process ever ran there. `bulk-update rethrottle` asks this before writing its request.
    ///
    /// - Throws: ``RunDirectoryError/fileSystem(path:reason:)`` when the lock file cannot be opened.
    public static func holder(of directory: URL) throws -> Holder {
        let path = directory.appendingPathComponent(fileName).path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT { return .none }
            throw RunDirectoryError.fileSystem(path: path, reason: DurableFiles.errnoText(code))
        }
        defer { close(descriptor) }
        if flock(descriptor, LOCK_SH | LOCK_NB) == 0 {
            flock(descriptor, LOCK_UN)
            return .none
        }
        let code = errno
        guard code == EWOULDBLOCK else {
            throw RunDirectoryError.fileSystem(path: path, reason: DurableFiles.errnoText(code))
        }
        let pid = (try? String(contentsOfFile: path, encoding: .utf8))
            .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        return .process(pid: pid)
    }

    /// Takes the lock of `directory` at once, or throws.
    ///
    /// - Throws: ``RunDirectoryError/inUse(path:pid:)`` when another process holds it,
    ///   ``RunDirectoryError/fileSystem(path:reason:)`` when the lock file cannot be used.
    static func acquire(in directory: URL) throws -> RunLock {
        let path = directory.appendingPathComponent(fileName).path
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw RunDirectoryError.fileSystem(path: path, reason: DurableFiles.errnoText()) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(descriptor)
            guard code == EWOULDBLOCK else {
                throw RunDirectoryError.fileSystem(path: path, reason: DurableFiles.errnoText(code))
            }
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))
                .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            throw RunDirectoryError.inUse(path: directory.path, pid: holder)
        }
        // The holder's pid, for the message another process shows.
        let pid = Array("\(getpid())\n".utf8)
        guard ftruncate(descriptor, 0) == 0, pwrite(descriptor, pid, pid.count, 0) == pid.count else {
            let reason = DurableFiles.errnoText()
            close(descriptor)
            throw RunDirectoryError.fileSystem(path: path, reason: reason)
        }
        return RunLock(descriptor: descriptor)
    }
}
