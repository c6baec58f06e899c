/// Why `bulk-update rethrottle` could not change the rate of a run.
public enum RunControlError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The path is not a run directory (no `plan.json`).
    case notARunDirectory(path: String)
    /// No `apply` or `resume` holds the run directory's lock.
    case notRunning(path: String)
    /// The process ended before it took the request.
    case ended(path: String, pid: Int32)
    /// The process still runs but has not journaled the request in time.
    case notConfirmed(path: String, pid: Int32, seconds: Int)
    /// Another `rethrottle` replaced the request before the process took it.
    case superseded(path: String, rate: Double)
    /// The request could not be written, or the journal read.
    case fileSystem(path: String, reason: String)

    public var description: String {
        switch self {
        case .notARunDirectory(let path): "\(path) is not a run directory (no plan.json)"
        case .notRunning(let path):
            "no apply or resume is running on \(path); nothing to rethrottle (to go on with a stopped run at "
                + "another rate: bulk-update resume \(path) --rate N)"
        case .ended(let path, let pid):
            "process \(pid) on \(path) ended before it took the new rate"
        case .notConfirmed(let path, let pid, let seconds):
            "process \(pid) on \(path) has not confirmed the new rate within \(seconds) s; it takes it at its next "
                + "check of control.json (see its progress line and journal.jsonl)"
        case .superseded(let path, let rate):
            "another rethrottle on \(path) asked for \(RateChange.label(rate)) meanwhile; that rate wins"
        case .fileSystem(let path, let reason): "cannot use \(path): \(reason)"
        }
    }
}
