import Foundation

/// How `bulk-update rethrottle` talks to the `apply` or `resume` running on a run directory.
///
/// Through two files of the directory, and never through its lock:
/// 1. `rethrottle` checks that a process holds the run's lock (``RunLock/holder(of:)``, a probe
///    that never keeps the lock) and writes a ``RateRequest`` naming that process to
///    `control.json`, atomically (temporary file, rename), mode 0600.
/// 2. The running session reads `control.json` every ``pollInterval``, takes a request addressed
///    to it once (``RateRequestFollower``), sets its rate limiter, and journals a ``RateChange``
///    carrying the request's id.
/// 3. `rethrottle` reads what the journal gained since step 1 until that record appears: the new
///    rate is then in force and durable.
public enum RunControl {
    /// The control file's name inside a run directory.
    public static let fileName = "control.json"

    /// How often a running session reads `control.json`.
    public static let pollInterval: Duration = .milliseconds(200)

    /// A request written and not yet confirmed.
    public struct PendingRequest: Sendable, Hashable {
        /// What was written to `control.json`.
        public var request: RateRequest
        /// The run directory.
        public var directory: URL
        /// The journal's length when the request was written: the confirmation comes after it.
        public var journalOffset: Int
    }

    /// The control file of `directory`.
    public static func url(in directory: URL) -> URL { directory.appendingPathComponent(fileName) }

    /// The request `control.json` of `directory` holds; `nil` when there is none or it cannot be read.
    public static func read(in directory: URL) -> RateRequest? {
        guard let data = try? Data(contentsOf: url(in: directory)) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = JournalTime.decodingStrategy
        return try? decoder.decode(RateRequest.self, from: data)
    }

    /// Asks the process running on `directory` to change its rate to `rate` (0 pauses).
    ///
    /// - Parameters:
    ///   - id: the request's id (a fresh UUID by default).
    ///   - clock: waits on it while the holder has not yet written its pid into the lock file.
    /// - Throws: ``RunControlError/notARunDirectory(path:)``, ``RunControlError/notRunning(path:)``,
    ///   ``RunControlError/fileSystem(path:reason:)``.
    public static func requestRate(
        _ rate: Double, in directory: URL, id: String = UUID().uuidString, now: Date = Date(),
        clock: some Clock<Duration> = ContinuousClock()
    ) async throws(RunControlError) -> PendingRequest {
        let directory = directory.standardizedFileURL
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent(RunDirectory.FileName.plan).path)
        else { throw .notARunDirectory(path: directory.path) }
        var pid: Int32?
        // The holder writes its pid right after taking the lock: give it a moment.
        for _ in 0..<50 {
            switch try holder(of: directory) {
            case .none: throw .notRunning(path: directory.path)
            case .process(let holder): pid = holder
            }
            if pid != nil { break }
            try? await clock.sleep(for: .milliseconds(10))
        }
        guard let pid else { throw .notRunning(path: directory.path) }
        let journal = directory.appendingPathComponent(RunDirectory.FileName.journal)
        let offset = ((try? FileManager.default.attributesOfItem(atPath: journal.path)[.size]) as? NSNumber)?.intValue
        let request = RateRequest(request: id, pid: pid, rate: rate, requestedAt: now)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(JournalTime.format(date))
        }
        do {
            var data = try encoder.encode(request)
            data.append(0x0A)
            try DurableFiles.writeAtomically(data, to: url(in: directory))
        } catch let failure as DurableFiles.Failure {
            throw .fileSystem(path: failure.path, reason: failure.reason)
        } catch {
            throw .fileSystem(path: url(in: directory).path, reason: "\(error)")
        }
        return PendingRequest(request: request, directory: directory, journalOffset: offset ?? 0)
    }

    /// Waits until the running process journals `pending`, and returns the journaled change.
    ///
    /// - Parameters:
    ///   - timeout: how long to wait (a process still reading the org before it sends anything
    ///     takes the new rate at once but journals it only when its journal opens).
    ///   - interval: how often the journal is read.
    /// - Throws: ``RunControlError/ended(path:pid:)`` when the process ends first,
    ///   ``RunControlError/superseded(path:rate:)`` when another request replaced this one,
    ///   ``RunControlError/notConfirmed(path:pid:seconds:)`` after `timeout`.
    public static func confirmation(
        of pending: PendingRequest, timeout: Duration = .seconds(15), interval: Duration = .milliseconds(50),
        clock: some Clock<Duration> = ContinuousClock()
    ) async throws(RunControlError) -> RateChange {
        let journal = pending.directory.appendingPathComponent(RunDirectory.FileName.journal)
        let path = pending.directory.path
        let deadline = clock.now.advanced(by: timeout)
        var offset = pending.journalOffset
        while true {
            let running = try holder(of: pending.directory) != .none
            let tail: (changes: [RateChange], next: Int)
            do {
                tail = try JournalReader.rateChanges(journal, after: offset)
            } catch {
                throw .fileSystem(path: journal.path, reason: "\(error)")
            }
            offset = tail.next
            if let change = tail.changes.first(where: { $0.request == pending.request.request }) { return change }
            if let current = read(in: pending.directory), current.request != pending.request.request {
                throw .superseded(path: path, rate: current.rate)
            }
            guard running else { throw .ended(path: path, pid: pending.request.pid) }
            guard clock.now < deadline else {
                throw .notConfirmed(
                    path: path, pid: pending.request.pid, seconds: Int(timeout.components.seconds))
            }
            try? await clock.sleep(for: interval)
        }
    }

    private static func holder(of directory: URL) throws(RunControlError) -> RunLock.Holder {
        do {
            return try RunLock.holder(of: directory)
        } catch let error as RunDirectoryError {
            if case .fileSystem(let path, let reason) = error { throw .fileSystem(path: path, reason: reason) }
            throw .fileSystem(path: directory.path, reason: error.description)
        } catch {
            throw .fileSystem(path: directory.path, reason: "\(error)")
        }
    }
}
