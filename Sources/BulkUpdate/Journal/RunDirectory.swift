import Foundation
import Planner

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A run's directory: `plan.json`, `journal.jsonl`, the reports and the undo and failed lists.
///
/// The directory is mode 0700 and every file in it 0600. It belongs to one plan: `plan.json` is
/// written (atomically and fsync'd) when the directory is created, before anything is sent, and a
/// directory of another plan is refused. One process at a time applies or resumes a run: it holds
/// the directory's ``RunLock`` (``lock``); `report` only reads and takes no lock.
public struct RunDirectory: Sendable {
    /// The file names inside a run directory.
    public enum FileName {
        /// The plan being applied, as the model encodes it (secrets are fingerprints).
        public static let plan = "plan.json"
        /// The fsync'd JSON Lines journal.
        public static let journal = "journal.jsonl"
        /// The change list that restores every applied item.
        public static let undo = "undo.csv"
        /// The failed and conflicted items as a change list, to retry them.
        public static let failed = "failed.csv"
    }

    /// The directory.
    public let url: URL
    /// The plan of this run (as read back from `plan.json` when the directory already existed).
    public let plan: Plan
    /// True when ``create(at:plan:now:)`` found a run of the same plan already there: the caller resumes it.
    public let isExistingRun: Bool
    /// The lock this process holds on the run (`nil` when opened only to read it).
    public let lock: RunLock?

    private init(url: URL, plan: Plan, isExistingRun: Bool, lock: RunLock?) {
        self.url = url
        self.plan = plan
        self.isExistingRun = isExistingRun
        self.lock = lock
    }

    /// `plan.json`.
    public var planURL: URL { url.appendingPathComponent(FileName.plan) }
    /// `journal.jsonl`.
    public var journalURL: URL { url.appendingPathComponent(FileName.journal) }
    /// `undo.csv`.
    public var undoURL: URL { url.appendingPathComponent(FileName.undo) }
    /// `failed.csv`.
    public var failedURL: URL { url.appendingPathComponent(FileName.failed) }

    /// The file of one report rendering (`report.md`, `report.json`, `report.csv`, `report.html`).
    public func reportURL(_ format: ReportFormat) -> URL { url.appendingPathComponent(format.fileName) }

    /// The default run directory name for a run started at `now`: `20261129T010203Z`.
    public static func timestampName(_ now: Date) -> String {
        let time = JournalTime.format(now)
        let digits = time.filter { $0.isNumber || $0 == "T" }
        return String(digits.prefix(15)) + "Z"
    }

    /// Creates the run directory and writes `plan.json` into it.
    ///
    /// - Parameters:
    ///   - url: `--run-dir`: must be absent or empty, or hold a run of the same plan (then
    ///     ``isExistingRun`` is true, `plan.json` is kept as it is and the caller resumes). `nil`:
    ///     `runs/<UTC timestamp>/` under the current directory (`-2`, `-3`… when taken).
    ///   - plan: the plan to apply.
    ///   - now: the run's start time, for the default name.
    /// - Throws: ``RunDirectoryError``.
    public static func create(at url: URL?, plan: Plan, now: Date) throws -> RunDirectory {
        let directory: URL
        let lock: RunLock
        if let url {
            directory = url.standardizedFileURL
            // Checked before the lock file is made (a directory that is no run is left as it was),
            // and again under the lock (another process may have started the run meanwhile).
            _ = try existingRun(at: directory, plan: plan, lock: nil)
            try makeDirectory(directory)
            lock = try RunLock.acquire(in: directory)
            if let existing = try existingRun(at: directory, plan: plan, lock: lock) { return existing }
        } else {
            let runs = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("runs")
            try makeDirectory(runs)
            let name = timestampName(now)
            var candidate = runs.appendingPathComponent(name)
            var suffix = 2
            while mkdir(candidate.path, 0o700) != 0 {
                guard errno == EEXIST else {
                    throw RunDirectoryError.fileSystem(path: candidate.path, reason: DurableFiles.errnoText())
                }
                candidate = runs.appendingPathComponent("\(name)-\(suffix)")
                suffix += 1
            }
            directory = candidate
            lock = try RunLock.acquire(in: directory)
        }
        guard chmod(directory.path, 0o700) == 0 else {
            throw RunDirectoryError.fileSystem(path: directory.path, reason: DurableFiles.errnoText())
        }
        let run = RunDirectory(url: directory, plan: plan, isExistingRun: false, lock: lock)
        // The plan as a plan file (`docs/FORMATS.md`): one item per line, fingerprinted.
        try run.writeFile(named: FileName.plan, contents: PlanFile.encode(plan))
        do {
            try DurableFiles.syncDirectory(directory.deletingLastPathComponent().path)
        } catch let failure as DurableFiles.Failure {
            throw RunDirectoryError.fileSystem(path: failure.path, reason: failure.reason)
        }
        return run
    }

    /// Refuses at once, before the org is read, a directory that another process is applying or
    /// resuming (``create(at:plan:now:)`` takes the lock itself later).
    ///
    /// - Throws: ``RunDirectoryError/inUse(path:pid:)``.
    public static func checkNotInUse(_ url: URL) throws {
        let directory = url.standardizedFileURL
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent(RunLock.fileName).path) else {
            return
        }
        _ = try RunLock.acquire(in: directory)
    }

    /// Opens an existing run directory and reads its plan back (for `resume` and `report`).
    ///
    /// - Parameter locking: take the run's lock (`resume`); `report` only reads.
    /// - Throws: ``RunDirectoryError``, ``RunDirectoryError/inUse(path:pid:)`` when locking and another
    ///   process holds the run.
    public static func open(_ url: URL, locking: Bool = false) throws -> RunDirectory {
        let directory = url.standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) else {
            throw RunDirectoryError.notARunDirectory(path: directory.path)
        }
        guard isDirectory.boolValue else { throw RunDirectoryError.notADirectory(path: directory.path) }
        let planURL = directory.appendingPathComponent(FileName.plan)
        guard FileManager.default.fileExists(atPath: planURL.path) else {
            throw RunDirectoryError.notARunDirectory(path: directory.path)
        }
        let lock = locking ? try RunLock.acquire(in: directory) : nil
        return RunDirectory(url: directory, plan: try readPlan(planURL), isExistingRun: true, lock: lock)
    }

    /// Writes `contents` to `name` in the directory atomically, mode 0600.
    ///
    /// - Throws: ``RunDirectoryError/fileSystem(path:reason:)``.
    public func writeFile(named name: String, contents: Data) throws {
        do {
            try DurableFiles.writeAtomically(contents, to: url.appendingPathComponent(name))
        } catch let failure as DurableFiles.Failure {
            throw RunDirectoryError.fileSystem(path: failure.path, reason: failure.reason)
        }
    }

    /// Reads a run's plan back, checking its format version and fingerprint.
    private static func readPlan(_ url: URL) throws -> Plan {
        do {
            return try PlanFile.read(from: url)
        } catch {
            throw RunDirectoryError.unreadablePlan(path: url.path, reason: error.description)
        }
    }

    /// `nil` when `directory` is absent or empty (but for a lock file); the existing run (holding
    /// `lock`) when it holds one of `plan`; else throws.
    private static func existingRun(at directory: URL, plan: Plan, lock: RunLock?) throws -> RunDirectory? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) else { return nil }
        guard isDirectory.boolValue else { throw RunDirectoryError.notADirectory(path: directory.path) }
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw RunDirectoryError.fileSystem(path: directory.path, reason: JournalReader.reason(error))
        }
        if entries.allSatisfy({ $0 == RunLock.fileName }) { return nil }
        guard entries.contains(FileName.plan) else { throw RunDirectoryError.notEmpty(path: directory.path) }
        let existing = try readPlan(directory.appendingPathComponent(FileName.plan))
        guard existing.fingerprint == plan.fingerprint else {
            throw RunDirectoryError.belongsToAnotherPlan(
                path: directory.path, existing: existing.fingerprint, requested: plan.fingerprint)
        }
        return RunDirectory(url: directory, plan: existing, isExistingRun: true, lock: lock)
    }

    private static func makeDirectory(_ url: URL) throws {
        do {
            try DurableFiles.makeDirectory(url)
        } catch let failure as DurableFiles.Failure {
            throw RunDirectoryError.fileSystem(path: failure.path, reason: failure.reason)
        }
    }
}
