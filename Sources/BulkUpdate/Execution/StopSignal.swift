import Synchronization

/// Why a run stopped before finishing its plan.
public enum StopReason: String, Sendable, Hashable, Codable {
    /// SIGINT or SIGTERM.
    case interrupted
    /// `--max-failures` was reached.
    case maxFailures = "max-failures"
    /// A canary item failed or conflicted.
    case canaryFailed = "canary-failed"
    /// The API refused the credentials and one refresh could not cure it (a pasted token expired,
    /// a key was revoked): nothing more can be sent until new credentials are given.
    case credentialsRejected = "credentials-rejected"
}

/// A flag shared by the signal handler, the executor and the progress display: "stop dispatching".
///
/// The first reason set wins; later requests keep it.
public final class StopSignal: Sendable {
    private let state = Mutex<StopReason?>(nil)

    public init() {}

    /// Asks the run to stop dispatching new items.
    public func request(_ reason: StopReason) {
        state.withLock { current in
            if current == nil { current = reason }
        }
    }

    /// The reason the run was asked to stop, if it was.
    public var reason: StopReason? { state.withLock { $0 } }
}
