import Synchronization
import Testing

@testable import BulkUpdate

@Suite("RateLimiter")
struct RateLimiterTests {
    @Test("spaces permits at the rate and never exceeds it in any second")
    func pacesPermits() async throws {
        let clock = ManualClock(autoAdvance: true)
        let limiter = RateLimiter(rate: 40, clock: clock, secondPhase: .zero)
        var times: [Duration] = []
        for _ in 0..<121 {
            try await limiter.acquire()
            times.append(clock.elapsed)
        }
        #expect(times.first == .zero)
        // Each full window waits out the 5 ms margin once.
        #expect(times.last == .milliseconds(3_015))
        #expect(RateLimitStateTests.respectsWindow(times, cap: 40, span: .milliseconds(1_005)))
    }

    @Test("concurrent callers share one budget")
    func concurrentCallers() async throws {
        let clock = ManualClock(autoAdvance: true)
        let limiter = RateLimiter(rate: 10, clock: clock, secondPhase: .zero)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<31 { group.addTask { try await limiter.acquire() } }
            try await group.waitForAll()
        }
        // 31 permits at 10/s cannot all be handed out before 3 s, however the callers interleave.
        #expect(clock.elapsed >= .seconds(3))
    }

    @Test("a 429 pauses to the next second and halves the rate")
    func throttle() async throws {
        let clock = ManualClock(autoAdvance: true)
        let limiter = RateLimiter(rate: 40, clock: clock, secondPhase: .zero)
        try await limiter.acquire()
        clock.advance(by: .milliseconds(400))
        await limiter.recordThrottle()
        let status = await limiter.status()
        #expect(status == RateLimiter.Status(configuredRate: 40, effectiveRate: 20, isPausing: true))
        try await limiter.acquire()
        #expect(clock.elapsed == .seconds(1))
        #expect(await limiter.isPausing == false)
    }

    @Test("a waiting acquire ends when its task is cancelled")
    func cancellation() async throws {
        let clock = ManualClock()
        let limiter = RateLimiter(rate: 1, clock: clock, secondPhase: .zero)
        try await limiter.acquire()
        let waiting = Task { try await limiter.acquire() }
        await clock.waitForSleepers(1)
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        #expect(clock.elapsed == .zero)
    }

    @Test("a waiting acquire proceeds when the clock reaches its slot")
    func manualAdvance() async throws {
        let clock = ManualClock()
        let limiter = RateLimiter(rate: 2, clock: clock, secondPhase: .zero)
        try await limiter.acquire()
        let waiting = Task { try await limiter.acquire() }
        await clock.waitForSleepers(1)
        clock.advance(by: .milliseconds(500))
        try await waiting.value
        #expect(clock.sleeps == [.milliseconds(500)])
    }

    /// Yields until `limiter` has `count` acquires waiting for a change of rate (bounded, never sleeps).
    func waitForPausedAcquires(_ limiter: RateLimiter, _ count: Int) async {
        var spins = 0
        while await limiter.waitingForChange < count, spins < 100_000 {
            spins += 1
            await Task.yield()
        }
    }

    @Test("paused, an acquire waits however long the clock runs, and goes as soon as a positive rate comes")
    func pauseAndContinue() async throws {
        let clock = ManualClock()
        let limiter = RateLimiter(rate: 1, clock: clock, secondPhase: .zero)
        try await limiter.acquire()
        #expect(await limiter.setRate(0) == 1)
        #expect(await limiter.status().isPaused)
        let acquired = Mutex(false)
        let waiting = Task {
            try await limiter.acquire()
            acquired.withLock { $0 = true }
        }
        await waitForPausedAcquires(limiter, 1)
        #expect(await limiter.waitingForChange == 1)
        #expect(clock.sleeperCount == 0)
        clock.advance(by: .seconds(60))
        #expect(await limiter.waitingForChange == 1)
        #expect(!acquired.withLock { $0 })
        #expect(await limiter.setRate(5) == 0)
        try await waiting.value
        #expect(acquired.withLock { $0 })
        #expect(clock.elapsed == .seconds(60))
        #expect(await limiter.status().isPaused == false)
    }

    @Test("a faster rate wakes an acquire sleeping on a slot paced at the old rate")
    func fasterRateWakesSleeper() async throws {
        let clock = ManualClock()
        let limiter = RateLimiter(rate: 1, clock: clock, secondPhase: .zero)
        try await limiter.acquire()
        let waiting = Task { try await limiter.acquire() }
        await clock.waitForSleepers(1)
        #expect(clock.sleeps == [.seconds(1)])
        await limiter.setRate(20)
        // Woken at once, it sleeps again until one new interval (50 ms) after the last send.
        var spins = 0
        while clock.sleeps.count < 2, spins < 100_000 {
            spins += 1
            await Task.yield()
        }
        #expect(clock.sleeps == [.seconds(1), .milliseconds(50)])
        await clock.waitForSleepers(1)
        clock.advance(by: .milliseconds(50))
        try await waiting.value
        #expect(clock.elapsed == .milliseconds(50))
    }

    @Test("once the run stops, acquires waiting for a paused limiter give up; unpaused ones go on")
    func giveUpWhilePaused() async throws {
        let clock = ManualClock(autoAdvance: true)
        let limiter = RateLimiter(rate: 10, clock: clock, secondPhase: .zero)
        await limiter.setRate(0)
        let waiting = Task { try await limiter.acquire() }
        await waitForPausedAcquires(limiter, 1)
        await limiter.giveUpWhilePaused()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        await #expect(throws: CancellationError.self) { try await limiter.acquire() }
        await limiter.setRate(10)
        try await limiter.acquire()
    }

    @Test("a cancelled acquire stops waiting for a paused limiter")
    func cancelWhilePaused() async throws {
        let limiter = RateLimiter(rate: 10, clock: ManualClock(), secondPhase: .zero)
        await limiter.setRate(0)
        let waiting = Task { try await limiter.acquire() }
        await waitForPausedAcquires(limiter, 1)
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        #expect(await limiter.waitingForChange == 0)
    }

    @Test("warns above m3ter's documented limit of 50 requests per second", arguments: [1.0, 40, 50])
    func noWarning(rate: Double) {
        #expect(RateLimiter.warning(forRate: rate) == nil)
    }

    @Test("the warning names the rate and the documented limit")
    func warning() throws {
        let text = try #require(RateLimiter.warning(forRate: 80))
        #expect(text.contains("--rate 80"))
        #expect(text.contains("50 requests/s"))
        #expect(try #require(RateLimiter.warning(forRate: 50.5)).contains("--rate 50.5"))
    }
}
