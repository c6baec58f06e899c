import Foundation

/// The one rate limiter every request of a run goes through (token, list, GET, PUT, enable, retries).
///
/// An actor around ``RateLimitState``: ``acquire()`` waits for a pacing slot and for room in the
/// sliding window, then returns; ``recordThrottle()`` reports a 429 (pause to the next second,
/// halve the rate, recover additively).
public actor RateLimiter {
    /// A snapshot for the progress line.
    public struct Status: Sendable, Hashable {
        /// The rate asked for, in requests per second.
        public var configuredRate: Double
        /// The rate in force now (lower than configured after a 429, until it recovers).
        public var effectiveRate: Double
        /// True while dispatch is paused after a 429.
        public var isPausing: Bool
    }

    /// m3ter's documented per-organization limit, in requests per second.
    public static let documentedOrgLimit: Double = 50

    /// The default `--rate`, in requests per second.
    public static let defaultRate: Double = 40

    private var state: RateLimitState
    private let clock: ErasedClock

    /// A limiter at `rate` requests per second.
    ///
    /// - Parameters:
    ///   - rate: requests per second (default 40; values below 0.1 are raised to 0.1).
    ///   - recoveryPerSecond: additive increase per second after a 429 (default `max(1, rate / 4)`).
    ///   - clock: the clock to wait on (a manual clock in tests).
    ///   - secondPhase: where wall-clock seconds start on the clock's timeline; by default taken
    ///     from the system time, so the pause after a 429 ends when the server's second does.
    public init(
        rate: Double = RateLimiter.defaultRate, recoveryPerSecond: Double? = nil,
        clock: some Clock<Duration> = ContinuousClock(), secondPhase: Duration? = nil
    ) {
        let erased = ErasedClock(clock)
        let phase = secondPhase ?? Self.currentSecondPhase()
        self.clock = erased
        self.state = RateLimitState(rate: rate, recoveryPerSecond: recoveryPerSecond, secondPhase: phase)
    }

    /// Waits until one request may be sent, and counts it as sent.
    ///
    /// - Throws: `CancellationError` when the calling task is cancelled while waiting.
    public func acquire() async throws {
        try Task.checkCancellation()
        let slot = state.reserve(at: clock.now)
        if slot > clock.now { try await clock.sleep(until: slot) }
        while true {
            try Task.checkCancellation()
            switch state.admit(at: clock.now) {
            case .send: return
            case .wait(let until): try await clock.sleep(until: until)
            }
        }
    }

    /// Reports a 429: pauses dispatch to the next second boundary and halves the rate.
    public func recordThrottle() {
        state.recordThrottle(at: clock.now)
    }

    /// The rate in force now, in requests per second.
    public var effectiveRate: Double { state.effectiveRate(at: clock.now) }

    /// Whether dispatch is paused after a 429.
    public var isPausing: Bool { state.isPaused(at: clock.now) }

    /// Rate and pause state, for the progress line.
    public func status() -> Status {
        let now = clock.now
        return Status(
            configuredRate: state.configuredRate, effectiveRate: state.effectiveRate(at: now),
            isPausing: state.isPaused(at: now)
        )
    }

    /// The warning to print once on stderr (after a `warning: ` prefix) when `rate` exceeds m3ter's
    /// documented limit, else `nil`.
    public static func warning(forRate rate: Double) -> String? {
        guard rate > documentedOrgLimit else { return nil }
        return "--rate \(formatted(rate)) is above m3ter's documented limit of "
            + "\(formatted(documentedOrgLimit)) requests/s per organization; expect 429 responses "
            + "unless m3ter has raised the limit for your organization"
    }

    private static func formatted(_ rate: Double) -> String {
        rate.rounded() == rate ? String(Int(rate)) : String(format: "%.1f", rate)
    }

    /// Where the next wall-clock second starts, as an offset from now (in `0..<1 s`).
    private static func currentSecondPhase() -> Duration {
        let now = Date().timeIntervalSince1970
        let fraction = now - now.rounded(.down)
        return .seconds(exactly: fraction == 0 ? 0 : 1 - fraction)
    }
}
