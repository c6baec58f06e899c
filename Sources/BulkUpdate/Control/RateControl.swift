import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a ``RunSession`` needs to follow `bulk-update rethrottle`: the limiter to change, and how
/// to watch the run directory's `control.json` (see ``RunControl``).
public struct RateControl: Sendable {
    /// The limiter every request of the run goes through.
    public var limiter: RateLimiter
    /// The pid requests must name to be taken (this process's, by default).
    public var processID: Int32
    /// How often `control.json` is read.
    public var pollInterval: Duration
    /// The clock the poll waits on.
    public var clock: any Clock<Duration>

    /// Follows requests for `limiter`.
    public init(
        limiter: RateLimiter, processID: Int32 = getpid(), pollInterval: Duration = RunControl.pollInterval,
        clock: any Clock<Duration> = ContinuousClock()
    ) {
        self.limiter = limiter
        self.processID = processID
        self.pollInterval = pollInterval
        self.clock = clock
    }
}
