/// Why a run directory could not be created, opened or written.
public enum RunDirectoryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `--run-dir` names a directory that holds files but no run.
    case notEmpty(path: String)
    /// The path exists and is not a directory.
    case notADirectory(path: String)
    /// The directory holds the run of another plan.
    case belongsToAnotherPlan(path: String, existing: String, requested: String)
    /// `open`/`resume` on a directory without a `plan.json`.
    case notARunDirectory(path: String)
    /// `plan.json` exists but cannot be read as a plan.
    case unreadablePlan(path: String, reason: String)
    /// A file-system operation failed.
    case fileSystem(path: String, reason: String)
    /// Another process (`pid`, when its lock file names it) is applying or resuming this run.
    case inUse(path: String, pid: Int32?)

    public var description: String {
        switch self {
        case .notEmpty(let path):
            "run directory \(path) is not empty and holds no run; give an empty or new directory"
        case .notADirectory(let path): "run directory \(path) exists and is not a directory"
        case .belongsToAnotherPlan(let path, let existing, let requested):
            "run directory \(path) holds a run of plan \(existing), not of this plan \(requested); "
                + "use another --run-dir, or `bulk-update resume \(path)` to finish that run"
        case .notARunDirectory(let path): "\(path) is not a run directory (no plan.json)"
        case .unreadablePlan(let path, let reason): "cannot read the plan \(path): \(reason)"
        case .fileSystem(let path, let reason): "cannot write \(path): \(reason)"
        case .inUse(let path, let pid):
            "run directory \(path) is in use by \(pid.map { "process \($0)" } ?? "another process") (an apply or "
                + "resume running on it); wait for it to finish, or stop it (Ctrl-C) and then resume; nothing was sent"
        }
    }
}
