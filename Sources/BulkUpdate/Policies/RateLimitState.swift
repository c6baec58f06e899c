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
///
/// The rate can change while requests wait (``setRate(_:at:)``, from `bulk-update rethrottle`): a
/// positive rate becomes the new ceiling, and a rate of 0 holds every permit until a positive rate
/// comes. Waiters hold a ``Ticket``; a change makes every ticket stale, so ``next(holding:at:)`` hands
/// out fresh slots at the new rate instead of keeping waiters on slots paced at the old one.
public struct RateLimitState: Sendable, Hashable {
    /// What ``admit(at:)`` decided.
    public enum Admission: Sendable, Hashable {
        /// Send now; the send has been recorded.
        case send
        /// Try again at this offset.
        case wait(until: Duration)
        /// Paused by a rate of 0: try again after the next ``setRate(_:at:)``.
        case paused
    }

    /// A waiter's pacing slot, valid until the rate changes.
    public struct Ticket: Sendable, Hashable {
        /// The slot ``reserve(at:)`` handed out.
        public var slot: Duration
        /// The ``RateLimitState/generation`` it was handed out in.
        public var generation: Int
    }

    /// What ``next(holding:at:)`` decided.
    public enum Step: Sendable, Hashable {
        /// Send now; the send has been recorded.
        case send
        /// Ask again at this offset, holding `ticket` (or earlier, if the rate changes meanwhile).
        case wait(until: Duration, ticket: Ticket)
        /// Paused by a rate of 0: ask again (without a ticket) after the next ``setRate(_:at:)``.
        case paused
    }

    /// The ceiling: the rate asked for (`--rate`, or the last positive rate given to
    /// ``setRate(_:at:)``), in requests per second. Kept while paused.
    public private(set) var configuredRate: Double
    /// The floor AIMD never goes below, in requests per second.
    public private(set) var minimumRate: Double
    /// How much the rate recovers per second without a 429, in requests per second.
    public private(set) var recoveryPerSecond: Double
    /// True while paused by a rate of 0: no request is admitted until a positive rate comes.
    public private(set) var isHeld = false
    /// Counts rate changes; a ``Ticket`` of an earlier generation is stale.
    public private(set) var generation = 0
    /// Offset of a wall-clock second boundary on the timeline (boundaries are `phase + k` seconds).
    public let secondPhase: Duration
    /// Extra spacing on the sliding window: `floor(rate)` sends need `1 s + windowMargin`, so that
    /// jitter between our send and the server's arrival clock does not put one request too many
    /// into a server second. Costs about `windowMargin / 1 s` of throughput when the limiter binds.
    public let windowMargin: Duration

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
    /// Admitted send times within the last window (1 s plus the margin), oldest first.
    public private(set) var recentSends: [Duration] = []
    /// The `recoveryPerSecond` given at creation (`nil`: derived from the rate, also after a change).
    private let recoveryOverride: Double?

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
    ///   - windowMargin: extra length of the sliding window (default 5 ms, at most 100 ms).
    public init(
        rate: Double, recoveryPerSecond: Double? = nil, secondPhase: Duration = .zero,
        windowMargin: Duration = RateLimitState.defaultWindowMargin
    ) {
        let rate = rate.isFinite ? max(0.1, rate) : 40
        configuredRate = rate
        minimumRate = min(1, rate)
        recoveryOverride = recoveryPerSecond
        self.recoveryPerSecond = max(0.01, recoveryPerSecond ?? max(1, rate / 4))
        self.secondPhase = secondPhase
        self.windowMargin = min(.milliseconds(100), max(.zero, windowMargin))
    }

    /// The default ``windowMargin``: measured against the sandbox at `--rate` equal to its limit,
    /// 10,000 writes drew 8 jitter 429s without a margin.
    public static let defaultWindowMargin: Duration = .milliseconds(5)

    /// The rate in force at `now`, in requests per second.
    public func effectiveRate(at now: Duration) -> Double {
        guard let reducedRate else { return configuredRate }
        let elapsed = max(0, (now - recoveryStart).inSeconds)
        return min(configuredRate, reducedRate + recoveryPerSecond * elapsed)
    }

    /// The rate asked for now: 0 while held, else ``configuredRate``.
    public var requestedRate: Double { isHeld ? 0 : configuredRate }

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
        if isHeld { return .paused }
        if now < pausedUntil { return .wait(until: pausedUntil) }
        let span = Self.window + windowMargin
        let horizon = now - span
        if let firstKept = recentSends.firstIndex(where: { $0 > horizon }) {
            if firstKept > 0 { recentSends.removeFirst(firstKept) }
        } else {
            recentSends.removeAll(keepingCapacity: true)
        }
        let cap = windowCap(at: now)
        if recentSends.count >= cap {
            return .wait(until: recentSends[recentSends.count - cap] + span)
        }
        recentSends.append(now)
        return .send
    }

    /// One waiter's next step at `now`: reserve a slot (when it holds none, or a stale one), wait
    /// for it, then wait for admission.
    public mutating func next(holding ticket: Ticket?, at now: Duration) -> Step {
        if isHeld { return .paused }
        let current =
            ticket.flatMap { $0.generation == generation ? $0 : nil }
            ?? Ticket(slot: reserve(at: now), generation: generation)
        if now < current.slot { return .wait(until: current.slot, ticket: current) }
        switch admit(at: now) {
        case .send: return .send
        case .wait(let until): return .wait(until: until, ticket: current)
        case .paused: return .paused
        }
    }

    /// Changes the rate at `now` and returns the rate asked for before (0: it was paused).
    ///
    /// A positive rate (raised to at least 0.1) replaces the ceiling: AIMD keeps any backoff after
    /// a 429 and recovers up to the new ceiling (at once down to it, when it is lower). A rate of 0
    /// or less pauses: no permit until a positive rate comes. Every ticket handed out before becomes
    /// stale, and pacing restarts one new emission interval after the last send. A rate that is not
    /// finite changes nothing.
    @discardableResult
    public mutating func setRate(_ rate: Double, at now: Duration) -> Double {
        let previous = requestedRate
        guard rate.isFinite else { return previous }
        generation += 1
        guard rate > 0 else {
            isHeld = true
            return previous
        }
        let rate = max(0.1, rate)
        if let reducedRate {
            if now <= recoveryStart {
                self.reducedRate = min(reducedRate, rate)
            } else {
                // Rebase the recovery on the rate in force now, so the new slope starts from there.
                let current = effectiveRate(at: now)
                if current >= configuredRate {
                    self.reducedRate = nil
                } else {
                    self.reducedRate = min(current, rate)
                    recoveryStart = now
                }
            }
        }
        isHeld = false
        configuredRate = rate
        minimumRate = min(1, rate)
        recoveryPerSecond = max(0.01, recoveryOverride ?? max(1, rate / 4))
        let interval = Duration.seconds(exactly: 1 / effectiveRate(at: now))
        nextSlot = max(pausedUntil, recentSends.last.map { $0 + interval } ?? .zero)
        return previous
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
