import Foundation
import Testing

@testable import BulkUpdate

@Suite("RequestMetrics")
struct RequestMetricsTests {
    @Test("counts requests, retries, 429s and token calls, per second")
    func counts() async {
        let clock = ManualClock()
        let metrics = RequestMetrics(clock: clock)
        await metrics.recordRequest(isTokenRequest: true)
        await metrics.recordRequest()
        clock.advance(by: .milliseconds(2_500))
        await metrics.recordRequest(isRetry: true)
        await metrics.recordThrottle()
        let start = Date(timeIntervalSince1970: 1_000)
        let stats = await metrics.snapshot(startedAt: start)
        #expect(
            stats
                == RunStats(
                    startedAt: start, requests: 3, retries: 1, throttled: 1, tokenRequests: 1,
                    requestsPerSecond: [2, 0, 1], requestRate: 1.2))
        #expect(await metrics.averageRate == 1.2)
    }

    @Test("the run's rate counts from beginRun: requests before it (the sweep) and time at the prompt are left out")
    func runRate() async {
        let clock = ManualClock()
        let metrics = RequestMetrics(clock: clock)
        for _ in 0..<10 { await metrics.recordRequest() }
        clock.advance(by: .seconds(30))  // the user reads the plan and confirms
        await metrics.beginRun()
        for _ in 0..<8 { await metrics.recordRequest() }
        clock.advance(by: .seconds(2))
        #expect(await metrics.averageRate == 4)
        #expect(await metrics.snapshot(startedAt: Date()).requests == 18)
    }
}
