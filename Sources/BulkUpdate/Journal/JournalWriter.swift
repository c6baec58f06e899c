import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one writer of a run's journal: appends outcome records and returns only once they are durable.
///
/// Group commit: while one `write` + `fdatasync` runs, records from other callers collect in a
/// buffer; when it finishes, one of the waiting callers becomes the leader and writes the whole
/// buffer with one more `write` + `fdatasync`, and everyone whose record was in it resumes. So a
/// single producer pays one fdatasync per record (~0.22 ms here) and many concurrent producers
/// share them. The blocking system calls run off the actor, so appends keep queueing meanwhile.
///
/// A failed write is sticky: that call and every later one throw ``JournalError/writeFailed(path:reason:)``;
/// the file is still readable (at worst with a torn last line, which readers ignore).
public actor JournalWriter {
    /// The journal file.
    public nonisolated let url: URL
    /// The header line written when opening: `header` for a new file, `resume` for an existing one.
    public nonisolated let header: JournalHeader
    /// Whether records are fdatasync'd before `append` returns (off only for benchmarks).
    public nonisolated let fsyncEnabled: Bool

    private enum Role {
        case done
        case lead
    }

    private let fd: Int32
    private var pending: [UInt8] = []
    private var waiters: [CheckedContinuation<Role, any Error>] = []
    private var flushing = false
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []
    private var failure: JournalError?
    private var isClosed = false
    private var recordsWritten = 0
    private var flushes = 0

    private init(url: URL, header: JournalHeader, fd: Int32, fsyncEnabled: Bool) {
        self.url = url
        self.header = header
        self.fd = fd
        self.fsyncEnabled = fsyncEnabled
    }

    deinit {
        if !isClosed { DurableFiles.closeFile(fd) }
    }

    /// Opens (or creates) the journal at `url` and durably writes `header` as its first line, or
    /// as a `resume` line when the file already holds a journal.
    ///
    /// A new file is created with mode 0600 and its directory is fsync'd. An existing file must
    /// belong to the same plan (its first header names `header.planFingerprint`); a torn last line
    /// left by a crash is cut off before anything is appended, so it never ends up mid-file.
    ///
    /// - Parameter fsync: `false` skips fdatasync (benchmarks only: records are then not durable).
    /// - Throws: ``JournalError``.
    public static func open(url: URL, header: JournalHeader, fsync: Bool = true) throws -> JournalWriter {
        let path = url.path
        var header = header
        let existing = FileManager.default.fileExists(atPath: path)
        let fd: Int32
        do {
            fd = try DurableFiles.openFile(path, O_WRONLY | O_APPEND | O_CREAT, mode: 0o600)
        } catch let failure as DurableFiles.Failure {
            throw JournalError.cannotOpen(path: path, reason: failure.reason)
        }
        do {
            var size = lseek(fd, 0, SEEK_END)
            if existing, size > 0 {
                let contents = try JournalReader.read(url, expectedFingerprint: header.planFingerprint)
                if contents.headers.isEmpty {
                    // Only a torn first line: start the file again.
                    header.kind = .header
                } else {
                    header.kind = .resume
                }
                if contents.validLength < Int(size) {
                    guard ftruncate(fd, off_t(contents.validLength)) == 0 else {
                        throw JournalError.writeFailed(path: path, reason: DurableFiles.errnoText())
                    }
                    size = off_t(contents.validLength)
                }
            } else {
                header.kind = .header
            }
            let line = JournalCodec.encode(header)
            try line.withUnsafeBytes { try DurableFiles.writeAll(fd, $0, path: path) }
            try DurableFiles.dataSync(fd, path: path)
            if !existing || size == 0 {
                try DurableFiles.syncDirectory(url.deletingLastPathComponent().path)
            }
        } catch let error as JournalError {
            DurableFiles.closeFile(fd)
            throw error
        } catch let failure as DurableFiles.Failure {
            DurableFiles.closeFile(fd)
            throw JournalError.writeFailed(path: path, reason: failure.reason)
        }
        return JournalWriter(url: url, header: header, fd: fd, fsyncEnabled: fsync)
    }

    /// Appends one outcome record; returns once it is durable (written and fdatasync'd).
    ///
    /// Safe to call from many tasks at once: concurrent records share fdatasyncs.
    /// - Throws: ``JournalError``: the record may or may not be in the file.
    public func append(_ outcome: ItemOutcome) async throws {
        if let failure { throw failure }
        guard !isClosed else { throw JournalError.closed(path: url.path) }
        pending.append(contentsOf: JournalCodec.encode(outcome))
        recordsWritten += 1
        try await joinCommit()
    }

    /// Waits until the records just added to `pending` are durable: as the leader of the next
    /// write when none is running, else as a follower of the one after the current write.
    private func joinCommit() async throws {
        if flushing {
            let role = try await withCheckedThrowingContinuation { waiters.append($0) }
            if case .done = role { return }
        } else {
            flushing = true
        }
        try await leadFlush()
    }

    /// Appends several outcome records at once (one write, one fdatasync); returns once they are durable.
    ///
    /// - Throws: ``JournalError``: the records may or may not be in the file.
    public func append(contentsOf outcomes: [ItemOutcome]) async throws {
        if let failure { throw failure }
        guard !isClosed else { throw JournalError.closed(path: url.path) }
        guard !outcomes.isEmpty else { return }
        for outcome in outcomes { pending.append(contentsOf: JournalCodec.encode(outcome)) }
        recordsWritten += outcomes.count
        try await joinCommit()
    }

    /// Appends a rate change record; returns once it is durable (shares commits with outcome records).
    ///
    /// - Throws: ``JournalError``: the record may or may not be in the file.
    public func append(_ change: RateChange) async throws {
        if let failure { throw failure }
        guard !isClosed else { throw JournalError.closed(path: url.path) }
        pending.append(contentsOf: JournalCodec.encode(change))
        try await joinCommit()
    }

    /// Waits for in-flight writes, then closes the file. Later appends throw ``JournalError/closed(path:)``.
    public func close() async throws {
        while flushing {
            await withCheckedContinuation { idleWaiters.append($0) }
        }
        guard !isClosed else { return }
        isClosed = true
        if !DurableFiles.closeFile(fd), failure == nil {
            throw JournalError.writeFailed(path: url.path, reason: DurableFiles.errnoText())
        }
        if let failure { throw failure }
    }

    /// Records appended and fdatasync batches so far (the ratio is the group-commit factor).
    public var statistics: (records: Int, flushes: Int) { (recordsWritten, flushes) }

    /// Writes everything pending (this caller's record included) and wakes the callers it covered.
    private func leadFlush() async throws {
        let batch = pending
        pending = []
        let covered = waiters
        waiters = []
        flushes += 1
        do throws(JournalError) {
            try await Self.write(batch, to: fd, path: url.path, sync: fsyncEnabled)
        } catch {
            failure = error
            for waiter in covered + waiters { waiter.resume(throwing: error) }
            waiters = []
            finishFlushing()
            throw error
        }
        for waiter in covered { waiter.resume(returning: .done) }
        finishFlushing()
    }

    /// Hands the leadership to the first caller that queued meanwhile, or goes idle.
    private func finishFlushing() {
        if !waiters.isEmpty, failure == nil {
            waiters.removeFirst().resume(returning: .lead)
            return
        }
        flushing = false
        for waiter in idleWaiters { waiter.resume() }
        idleWaiters = []
    }

    /// The blocking part, off the actor so other appends can queue while it runs.
    @concurrent
    private static func write(_ bytes: [UInt8], to fd: Int32, path: String, sync: Bool) async throws(JournalError) {
        do {
            try bytes.withUnsafeBytes { try DurableFiles.writeAll(fd, $0, path: path) }
            if sync { try DurableFiles.dataSync(fd, path: path) }
        } catch let failure as DurableFiles.Failure {
            throw JournalError.writeFailed(path: path, reason: failure.reason)
        } catch {
            throw JournalError.writeFailed(path: path, reason: "\(error)")
        }
    }
}
