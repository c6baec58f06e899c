/// The pure state machine behind ``RateLimiter``: pacing, a sliding-window cap, and AIMD on 429.
///
/// Times are offsets on a monotonic timeline (see ``ErasedClock``). Three rules decide when a
/// request may go:
/// 1. **Pacing (GCRA).** ``reserve(at:)`` hands out slots one emission interval (`1 / rate`) apart,
///    so requests are spread evenly instead of bursting.
/// 2. **Sliding window.** ``admit(at:)`` lets a request go only if fewer than `floor(rate)` requests
///    went in the last second, so no 1 s span ever holds more than the rate, whatever the
///    server's window alignment and however late sleepers wake up.
/// 3. **AIMD.** ``recordThrottle(at:)`` (a 429) pauses everything to the next wall-clock second
///    boundary (m3ter refuses the rest of that second), halves the rate (once per throttled
///    second), and the rate then climbs back by ``recoveryPerSecond`` each second up to the
///    configured rate.
public struct RateLimitState: Sendable, Hashable {
    /// What ``admit(at:)`` decided.
    public enum Admission: Sendable, Hashable {
        /// Send now; the send has been recorded.
        case send
        /// Try again at this offset.
        case wait(until: Duration)
    }

    /// The rate asked for (`--rate`), in requests per second.
    public let configuredRate: Double
    /// The floor AIMD never goes below, in requests per second.
    public let minimumRate: Double
    /// How much the rate recovers per second without a 429, in requests per second.
    public let recoveryPerSecond: Double
    /// Offset of a wall-clock second boundary on the timeline (boundaries are `phase + k` seconds).
    public let secondPhase: Duration

    /// The next free pacing slot (GCRA's theoretical arrival time).
    public private(set) var nextSlot: Duration = .zero
    /// No request is admitted before this offset (set by a 429).
    public private(set) var pausedUntil: Duration = .zero
    /// Throttles before this offset do not halve the rate again.
    public private(set) var decreaseHoldUntil: Duration = .zero
    /// The rate right after the last decrease, `nil` when never throttled.
    public private(set) var reducedRate: Double?
    /// When recovery from ``reducedRate`` started.
    public private(set) var recoveryStart: Duration = .zero
    /// Admitted send times within the last second, oldest first.
    public private(set) var recentSends: [Duration] = []

    /// The length of the sliding window.
    public static let window: Duration = .seconds(1)

    /// A limiter state at `rate` requests per second.
    ///
    /// - Parameters:
    ///   - rate: requests per second; values below 0.1 are raised to 0.1.
    ///   - recoveryPerSecond: additive increase after a 429; default `max(1, rate / 4)`: a single 429 (often
    ///     network jitter at the edge of the server's window) costs two seconds at reduced speed, while a
    ///     limit that is really lower keeps the rate oscillating below it.
    ///   - secondPhase: where wall-clock seconds start on the timeline (zero in tests).
    public init(rate: Double, recoveryPerSecond: Double? = nil, secondPhase: Duration = .zero) {
        let rate = rate.isFinite ? max(0.1, rate) : 40
        configuredRate = rate
        minimumRate = min(1, rate)
        self.recoveryPerSecond = max(0.01, recoveryPerSecond ?? max(1, rate / 4))
        self.secondPhase = secondPhase
    }

    /// The rate in force at `now`, in requests per second.
    public func effectiveRate(at now: Duration) -> Double {
        guard let reducedRate else { return configuredRate }
        let elapsed = max(0, (now - recoveryStart).inSeconds)
        return min(configuredRate, reducedRate + recoveryPerSecond * elapsed)
    }

    /// Whether dispatch is paused after a 429 at `now`.
    public func isPaused(at now: Duration) -> Bool { now < pausedUntil }

    /// The most requests admitted in any 1 s span at `now`.
    public func windowCap(at now: Duration) -> Int {
        max(1, Int(effectiveRate(at: now).rounded(.down)))
    }

    /// Takes the next pacing slot: the caller should not ask ``admit(at:)`` before the returned offset.
    public mutating func reserve(at now: Duration) -> Duration {
        let interval = Duration.seconds(exactly: 1 / effectiveRate(at: now))
        let slot = max(now, nextSlot, pausedUntil)
        nextSlot = slot + interval
        return slot
    }

    /// Admits a send at `now` (and records it) or says when to try again.
    public mutating func admit(at now: Duration) -> Admission {
        if now < pausedUntil { return .wait(until: pausedUntil) }
        let horizon = now - Self.window
        if let firstKept = recentSends.firstIndex(where: { $0 > horizon }) {
            if firstKept > 0 { recentSends.removeFirst(firstKept) }
        } else {
            recentSends.removeAll(keepingCapacity: true)
        }
        let cap = windowCap(at: now)
        if recentSends.count >= cap {
            return .wait(until: recentSends[recentSends.count - cap] + Self.window)
        }
        recentSends.append(now)
        return .send
    }

    /// A 429 arrived at `now`: pause to the next second boundary and halve the rate (AIMD).
    public mutating func recordThrottle(at now: Duration) {
        let boundary = nextSecondBoundary(after: now)
        pausedUntil = max(pausedUntil, boundary)
        nextSlot = max(nextSlot, pausedUntil)
        guard now >= decreaseHoldUntil else { return }
        reducedRate = max(minimumRate, effectiveRate(at: now) / 2)
        recoveryStart = pausedUntil
        decreaseHoldUntil = pausedUntil + Self.window
    }

    /// The first wall-clock second boundary strictly after `now` (`secondPhase` lies in `0..<1 s`).
    public func nextSecondBoundary(after now: Duration) -> Duration {
        let sinceBoundary = (now - secondPhase).inSeconds
        let whole = max(0, (sinceBoundary + 1e-9).rounded(.down) + 1)
        return secondPhase + .seconds(Int64(whole))
    }
}
