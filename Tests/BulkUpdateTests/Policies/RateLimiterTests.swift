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
        #expect(times.last == .seconds(3))
        #expect(RateLimitStateTests.respectsWindow(times, cap: 40))
    }

    @Test("concurrent callers share one budget")
    func concurrentCallers() async throws {
        let clock = ManualClock(autoAdvance: true)
        let limiter = RateLimiter(rate: 10, clock: clock, secondPhase: .zero)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<31 { group.addTask { try await limiter.acquire() } }
            try await group.waitForAll()
        }
        #expect(clock.elapsed == .seconds(3))
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
