import BulkUpdate
import Foundation
import Testing

@Suite("ProgressLine")
struct ProgressLineTests {
    static let start = ContinuousClock.now

    static func line(after events: [ExecutionEvent]) -> ProgressLine {
        var line = ProgressLine(startedAt: start)
        line.apply(.started(total: 10))
        line.apply(.finished(ItemOutcome(id: "a", status: .applied, time: ReportFixtures.start)))
        for event in events { line.apply(event) }
        return line
    }

    static func change(_ from: Double, _ to: Double) -> ExecutionEvent {
        .rateChanged(RateChange(time: ReportFixtures.start, previousRate: from, rate: to))
    }

    @Test("as started: no limit shown, an ETA")
    func asStarted() {
        let text = Self.line(after: []).render(now: Self.start + .seconds(1), requestRate: 39.5, throttled: false)
        #expect(text == "1/10 10% · applied 1 · failed 0 · 39.5 req/s · ETA 9s")
    }

    @Test("paused: says so instead of an ETA")
    func paused() {
        let line = Self.line(after: [Self.change(40, 0)])
        #expect(line.rate == 0)
        let text = line.render(now: Self.start + .seconds(1), requestRate: 0, throttled: false)
        #expect(
            text
                == "1/10 10% · applied 1 · failed 0 · 0.0 req/s · paused: no new requests (rethrottle --rate N continues)"
        )
    }

    @Test("after a new rate: the limit next to the measured rate")
    func newRate() {
        let line = Self.line(after: [Self.change(40, 0), Self.change(0, 12.5)])
        let text = line.render(now: Self.start + .seconds(1), requestRate: 12, throttled: false)
        #expect(text == "1/10 10% · applied 1 · failed 0 · 12.0 req/s · limit 12.5 req/s · ETA 9s")
    }

    @Test("stopping while paused: the stop wins")
    func stoppingWhilePaused() {
        let line = Self.line(after: [Self.change(40, 0), .stopping(.interrupted)])
        let text = line.render(now: Self.start + .seconds(1), requestRate: 0, throttled: false)
        #expect(text.hasSuffix("stopping (interrupted): finishing requests in flight"))
    }
}
