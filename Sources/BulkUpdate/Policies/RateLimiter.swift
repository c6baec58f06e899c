import Foundation
import Synchronization

/// The one rate limiter every request of a run goes through (token, list, GET, PUT, enable, retries).
///
/// An actor around ``RateLimitState``: ``acquire()`` waits for a pacing slot and for room in the
/// sliding window, then returns; ``recordThrottle()`` reports a 429 (pause to the next second,
/// halve the rate, recover additively); ``setRate(_:)`` changes the rate while requests wait, and a
/// rate of 0 pauses (waiting requests wake at once on any change).
public actor RateLimiter {
    /// A snapshot for the progress line.
    public struct Status: Sendable, Hashable {
        /// The rate asked for, in requests per second (the ceiling; kept while paused).
        public var configuredRate: Double
        /// The rate in force now (lower than configured after a 429, until it recovers).
        public var effectiveRate: Double
        /// True while dispatch is paused after a 429.
        public var isPausing: Bool
        /// True while paused by a rate of 0 (`bulk-update rethrottle --rate 0`).
        public var isPaused: Bool = false
    }

    /// m3ter's documented per-organization limit, in requests per second.
    public static let documentedOrgLimit: Double = 50

    /// The default `--rate`, in requests per second.
    public static let defaultRate: Double = 40

    private var state: RateLimitState
    private let clock: ErasedClock
    /// Wakes waiting ``acquire()`` calls when the rate changes.
    private let changes = ChangeSignal()
    /// Set when the run stops: an acquire that would wait for a paused limiter gives up instead.
    private var givesUpWhilePaused = false

    /// A limiter at `rate` requests per second.
    ///
    /// - Parameters:
    ///   - rate: requests per second (default 40; values below 0.1 are raised to 0.1).
    ///   - recoveryPerSecond: additive increase per second after a 429 (default `max(1, rate / 4)`).
    ///   - clock: the clock to wait on (a manual clock in tests).
    ///   - secondPhase: where wall-clock seconds start on the clock's timeline; by default taken
    ///     from the system time, so the pause after a 429 ends when the server's second does.
    ///   - windowMargin: extra length of the sliding window, absorbing network jitter (default 5 ms).
    public init(
        rate: Double = RateLimiter.defaultRate, recoveryPerSecond: Double? = nil,
        clock: some Clock<Duration> = ContinuousClock(), secondPhase: Duration? = nil,
        windowMargin: Duration = RateLimitState.defaultWindowMargin
    ) {
        let erased = ErasedClock(clock)
        let phase = secondPhase ?? Self.currentSecondPhase()
        self.clock = erased
        self.state = RateLimitState(
            rate: rate, recoveryPerSecond: recoveryPerSecond, secondPhase: phase, windowMargin: windowMargin)
    }

    /// Waits until one request may be sent, and counts it as sent.
    ///
    /// While paused (a rate of 0) it waits for a positive rate; a change of rate ends any wait at
    /// once, and the waiter takes a new slot at the new rate.
    ///
    /// - Throws: `CancellationError` when the calling task is cancelled while waiting, or when it
    ///   would wait for a paused limiter after ``giveUpWhilePaused()``.
    public func acquire() async throws {
        var ticket: RateLimitState.Ticket?
        while true {
            try Task.checkCancellation()
            let generation = changes.generation
            switch state.next(holding: ticket, at: clock.now) {
            case .send:
                return
            case .wait(let until, let held):
                ticket = held
                try await sleep(until: until, unlessChangedFrom: generation)
            case .paused:
                if givesUpWhilePaused { throw CancellationError() }
                ticket = nil
                try await sleep(until: nil, unlessChangedFrom: generation)
            }
        }
    }

    /// Changes the rate (0 pauses) and wakes every waiting ``acquire()``; returns the rate asked for
    /// before (0: it was paused).
    @discardableResult
    public func setRate(_ rate: Double) -> Double {
        let previous = state.setRate(rate, at: clock.now)
        changes.advance()
        return previous
    }

    /// The run is stopping: acquires that wait for a paused limiter, now or later, throw
    /// `CancellationError` instead of waiting for a positive rate that may never come. (While not
    /// paused, acquires go on as before, so items in flight can finish.)
    public func giveUpWhilePaused() {
        guard !givesUpWhilePaused else { return }
        givesUpWhilePaused = true
        changes.advance()
    }

    /// Sleeps until `deadline` on the clock (forever when `nil`), or until the rate changes after
    /// `generation`, whichever comes first.
    private func sleep(until deadline: Duration?, unlessChangedFrom generation: Int) async throws {
        let clock = self.clock
        let changes = self.changes
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await changes.wait(after: generation) }
            if let deadline { group.addTask { try await clock.sleep(until: deadline) } }
            _ = try await group.next()
            group.cancelAll()
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
            isPausing: state.isPaused(at: now), isPaused: state.isHeld
        )
    }

    /// The rate asked for now, in requests per second (0 while paused).
    public var requestedRate: Double { state.requestedRate }

    /// How many acquires wait for a change of rate now (tests observe a pause with it).
    var waitingForChange: Int { changes.waiterCount }

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

/// A generation counter that tasks can wait on: ``wait(after:)`` returns once ``advance()`` has moved
/// the counter past the generation the waiter saw, or when the waiting task is cancelled.
private final class ChangeSignal: Sendable {
    private struct State {
        var generation = 0
        var nextID = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    /// The current generation.
    var generation: Int { state.withLock { $0.generation } }

    /// How many tasks wait now.
    var waiterCount: Int { state.withLock { $0.waiters.count } }

    /// Moves to the next generation and wakes every waiter.
    func advance() {
        let waiters = state.withLock { state in
            state.generation += 1
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the generation is past `seen`, or when the calling task is cancelled.
    func wait(after seen: Int) async {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                // Checked under the lock the cancellation handler takes too: either the handler finds
                // this waiter, or this check sees the cancellation.
                let resumeNow = state.withLock { state in
                    if state.generation != seen || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}
