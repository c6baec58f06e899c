import TestSupport
import Testing

@testable import BulkUpdate

@Suite("RateLimitState")
struct RateLimitStateTests {
    /// Whether no 1 s window `[t, t + 1 s)` holds more than `cap` of the (sorted) send times.
    static func respectsWindow(_ sends: [Duration], cap: Int, span: Duration = .seconds(1)) -> Bool {
        guard sends.count > cap else { return true }
        return (0..<(sends.count - cap)).allSatisfy { sends[$0 + cap] - sends[$0] >= span }
    }

    @Test("hands out slots one emission interval apart")
    func pacing() {
        var state = RateLimitState(rate: 40)
        let slots = (0..<5).map { _ in state.reserve(at: .zero) }
        #expect(slots == [0, 25, 50, 75, 100].map { Duration.milliseconds($0) })
    }

    @Test("does not bank unused time while idle")
    func noBurstAfterIdle() {
        var state = RateLimitState(rate: 10)
        #expect(state.reserve(at: .zero) == .zero)
        #expect(state.reserve(at: .seconds(10)) == .seconds(10))
        #expect(state.reserve(at: .seconds(10)) == .milliseconds(10_100))
    }

    @Test("caps any one-second window at the rate")
    func slidingWindow() {
        var state = RateLimitState(rate: 5, windowMargin: .zero)
        for _ in 0..<5 { #expect(state.admit(at: .zero) == .send) }
        #expect(state.admit(at: .milliseconds(999)) == .wait(until: .seconds(1)))
        #expect(state.admit(at: .seconds(1)) == .send)
        #expect(state.recentSends == [.seconds(1)])
    }

    @Test("the window margin adds spacing against network jitter")
    func windowMargin() {
        var state = RateLimitState(rate: 2)
        #expect(state.windowMargin == .milliseconds(5))
        #expect(state.admit(at: .zero) == .send)
        #expect(state.admit(at: .milliseconds(500)) == .send)
        #expect(state.admit(at: .seconds(1)) == .wait(until: .milliseconds(1_005)))
        #expect(state.admit(at: .milliseconds(1_005)) == .send)
        #expect(RateLimitState(rate: 2, windowMargin: .seconds(5)).windowMargin == .milliseconds(100))
    }

    @Test("late sleepers cannot catch up past the window cap", arguments: [5.0, 40, 50])
    func lateSleepers(rate: Double) {
        // 16 workers each reserve a slot, oversleep by up to 300 ms, then retry admission until sent.
        var state = RateLimitState(rate: rate)
        var generator = SplitMix64(seed: 42)
        var wakeups: [(time: Duration, worker: Int)] = []
        for worker in 0..<16 { wakeups.append((state.reserve(at: .zero), worker)) }
        var sends: [Duration] = []
        var now = Duration.zero
        while sends.count < Int(rate) * 6 {
            wakeups.sort { $0.time < $1.time }
            let next = wakeups.removeFirst()
            now = max(now, next.time)
            switch state.admit(at: now) {
            case .send:
                sends.append(now)
                let slot = state.reserve(at: now)
                let late = Duration.milliseconds(Int64.random(in: 0...300, using: &generator))
                wakeups.append((slot + late, next.worker))
            case .wait(let until):
                wakeups.append((until, next.worker))
            case .paused:
                Issue.record("a limiter that was never paused said it is paused")
                return
            }
        }
        #expect(Self.respectsWindow(sends, cap: Int(rate), span: .milliseconds(1_005)))
        // Long-run throughput stays close to the rate despite the oversleeping.
        let span = (sends[sends.count - 1] - sends[0]).inSeconds
        #expect(Double(sends.count - 1) / span > rate * 0.9)
    }

    @Test("a 429 pauses dispatch to the next second boundary and halves the rate")
    func throttlePausesAndHalves() {
        var state = RateLimitState(rate: 40)
        state.recordThrottle(at: .milliseconds(3_400))
        #expect(state.isPaused(at: .milliseconds(3_999)))
        #expect(!state.isPaused(at: .seconds(4)))
        #expect(state.admit(at: .milliseconds(3_500)) == .wait(until: .seconds(4)))
        #expect(state.reserve(at: .milliseconds(3_500)) == .seconds(4))
        #expect(state.effectiveRate(at: .seconds(4)) == 20)
        #expect(state.windowCap(at: .seconds(4)) == 20)
    }

    @Test("the pause ends on the server's second boundary, given its phase")
    func secondPhase() {
        var state = RateLimitState(rate: 40, secondPhase: .milliseconds(300))
        #expect(state.nextSecondBoundary(after: .milliseconds(100)) == .milliseconds(300))
        #expect(state.nextSecondBoundary(after: .milliseconds(3_300)) == .milliseconds(4_300))
        state.recordThrottle(at: .milliseconds(3_400))
        #expect(state.pausedUntil == .milliseconds(4_300))
    }

    @Test("a burst of 429s from one second halves the rate once")
    func oneDecreasePerThrottledSecond() {
        var state = RateLimitState(rate: 40)
        for ms in [3_400, 3_450, 3_900, 4_200, 4_999] { state.recordThrottle(at: .milliseconds(Int64(ms))) }
        #expect(state.reducedRate == 20)
        // Recovery runs from 4 s at +10/s: 31/s at 5.1 s, halved by a 429 then.
        state.recordThrottle(at: .milliseconds(5_100))
        let rate = state.effectiveRate(at: .seconds(6))
        #expect(abs(rate - 15.5) < 1e-6)
    }

    @Test("recovers additively, by default a quarter of the rate per second, up to the configured rate")
    func additiveRecovery() {
        var state = RateLimitState(rate: 40)
        state.recordThrottle(at: .milliseconds(3_400))
        #expect(state.effectiveRate(at: .seconds(4)) == 20)
        #expect(state.effectiveRate(at: .milliseconds(4_500)) == 25)
        #expect(state.effectiveRate(at: .seconds(6)) == 40)
        #expect(state.effectiveRate(at: .seconds(100)) == 40)
        var slow = RateLimitState(rate: 40, recoveryPerSecond: 2)
        slow.recordThrottle(at: .milliseconds(3_400))
        #expect(slow.effectiveRate(at: .seconds(9)) == 30)
        #expect(slow.effectiveRate(at: .seconds(14)) == 40)
    }

    @Test("never slows below one request per second")
    func floor() {
        var state = RateLimitState(rate: 3, recoveryPerSecond: 0.01)
        for second in stride(from: 0, to: 20, by: 2) { state.recordThrottle(at: .seconds(Int64(second))) }
        #expect(state.effectiveRate(at: .seconds(20)) >= 1)
        #expect(state.reducedRate == 1)
    }

    @Test("rejects unusable rates", arguments: [(0.0, 0.1), (-5, 0.1), (.nan, 40), (.infinity, 40), (12.5, 12.5)])
    func sanitizesRate(input: Double, expected: Double) {
        #expect(RateLimitState(rate: input).configuredRate == expected)
    }

    @Test("a fractional rate caps the window at its whole part")
    func fractionalCap() {
        #expect(RateLimitState(rate: 2.5).windowCap(at: .zero) == 2)
        #expect(RateLimitState(rate: 0.5).windowCap(at: .zero) == 1)
    }

    // MARK: Rate changes (rethrottle)

    @Test("a rate of 0 hands out no permit until a positive rate comes")
    func pauseHoldsPermits() {
        var state = RateLimitState(rate: 40)
        #expect(state.next(holding: nil, at: .zero) == .send)
        #expect(state.setRate(0, at: .seconds(1)) == 40)
        #expect(state.isHeld && state.requestedRate == 0)
        #expect(state.configuredRate == 40)
        for second in [1, 5, 60] {
            #expect(state.next(holding: nil, at: .seconds(Int64(second))) == .paused)
            #expect(state.admit(at: .seconds(Int64(second))) == .paused)
        }
        #expect(state.recentSends == [.zero])
        #expect(state.setRate(0, at: .seconds(61)) == 0)
        #expect(state.setRate(10, at: .seconds(62)) == 0)
        #expect(!state.isHeld && state.requestedRate == 10)
        #expect(state.next(holding: nil, at: .seconds(62)) == .send)
    }

    @Test("a ticket from before a change is stale: the waiter takes a slot at the new rate at once")
    func changeInvalidatesTickets() throws {
        var state = RateLimitState(rate: 1)
        #expect(state.next(holding: nil, at: .zero) == .send)
        guard case .wait(let until, let ticket) = state.next(holding: nil, at: .zero) else {
            Issue.record("a second permit at 1/s must wait")
            return
        }
        #expect(until == .seconds(1))
        // Unchanged, the ticket keeps the waiter on its slot.
        #expect(state.next(holding: ticket, at: .milliseconds(100)) == .wait(until: .seconds(1), ticket: ticket))
        state.setRate(30, at: .milliseconds(100))
        #expect(state.generation == ticket.generation + 1)
        #expect(state.next(holding: ticket, at: .milliseconds(100)) == .send)
    }

    @Test("after a change, pacing restarts one new emission interval after the last send")
    func pacingRestartsAtNewInterval() {
        var state = RateLimitState(rate: 10)
        #expect(state.next(holding: nil, at: .zero) == .send)
        state.setRate(2, at: .milliseconds(10))
        guard case .wait(let until, _) = state.next(holding: nil, at: .milliseconds(10)) else {
            Issue.record("a permit 10 ms after the last one at 2/s must wait")
            return
        }
        #expect(until == .milliseconds(500))
        #expect(state.windowCap(at: .milliseconds(10)) == 2)
    }

    @Test("a new rate replaces the ceiling; AIMD keeps the backoff and recovers up to the new ceiling")
    func newCeilingKeepsBackoff() {
        var state = RateLimitState(rate: 40)
        state.recordThrottle(at: .milliseconds(3_400))
        // Recovering from 20/s at +10/s since 4 s: 25/s at 4.5 s, when 30/s is asked for.
        state.setRate(30, at: .milliseconds(4_500))
        #expect(state.configuredRate == 30)
        #expect(state.recoveryPerSecond == 7.5)
        #expect(state.effectiveRate(at: .milliseconds(4_500)) == 25)
        #expect(state.effectiveRate(at: .seconds(5)) == 28.75)
        #expect(state.effectiveRate(at: .seconds(6)) == 30)
        #expect(state.effectiveRate(at: .seconds(100)) == 30)
    }

    @Test("a ceiling below the backed-off rate applies at once")
    func lowerCeilingAppliesAtOnce() {
        var state = RateLimitState(rate: 40)
        state.recordThrottle(at: .milliseconds(3_400))
        state.setRate(10, at: .milliseconds(4_500))
        #expect(state.effectiveRate(at: .milliseconds(4_500)) == 10)
        #expect(state.effectiveRate(at: .seconds(100)) == 10)
        #expect(state.windowCap(at: .seconds(5)) == 10)
    }

    @Test("a change during the pause after a 429 keeps the pause and caps the reduced rate")
    func changeDuringThrottlePause() {
        var state = RateLimitState(rate: 40)
        state.recordThrottle(at: .milliseconds(3_400))
        state.setRate(10, at: .milliseconds(3_500))
        #expect(state.isPaused(at: .milliseconds(3_900)))
        #expect(state.next(holding: nil, at: .milliseconds(3_500)).waitsUntil == .seconds(4))
        #expect(state.effectiveRate(at: .seconds(4)) == 10)
    }

    @Test("a rate change after full recovery starts without backoff")
    func changeAfterRecovery() {
        var state = RateLimitState(rate: 40)
        state.recordThrottle(at: .milliseconds(3_400))
        state.setRate(60, at: .seconds(10))
        #expect(state.reducedRate == nil)
        #expect(state.effectiveRate(at: .seconds(10)) == 60)
    }

    @Test("a pause keeps the ceiling, and the backoff recovers meanwhile")
    func pauseKeepsCeiling() {
        var state = RateLimitState(rate: 40)
        state.recordThrottle(at: .milliseconds(3_400))
        state.setRate(0, at: .seconds(4))
        #expect(state.configuredRate == 40)
        #expect(state.setRate(40, at: .seconds(20)) == 0)
        #expect(state.effectiveRate(at: .seconds(20)) == 40)
    }

    @Test("an explicit recovery slope survives a change of rate")
    func explicitRecoveryKept() {
        var state = RateLimitState(rate: 40, recoveryPerSecond: 2)
        state.setRate(8, at: .zero)
        #expect(state.recoveryPerSecond == 2)
        #expect(state.minimumRate == 1)
        state.setRate(0.5, at: .zero)
        #expect(state.minimumRate == 0.5)
    }

    @Test("a rate that is not a number changes nothing", arguments: [Double.nan, .infinity, -.infinity])
    func nonFiniteRateIgnored(rate: Double) {
        var state = RateLimitState(rate: 40)
        #expect(state.setRate(rate, at: .zero) == 40)
        #expect(state.generation == 0 && state.configuredRate == 40 && !state.isHeld)
    }

    @Test("a negative rate pauses like 0, and small rates are raised to 0.1", arguments: [(-3.0, 0.0), (0.01, 0.1)])
    func sanitizesNewRate(input: Double, requested: Double) {
        var state = RateLimitState(rate: 40)
        state.setRate(input, at: .zero)
        #expect(state.requestedRate == requested)
    }
}

extension RateLimitState.Step {
    /// The offset a `.wait` step waits until, `nil` for other steps.
    var waitsUntil: Duration? {
        if case .wait(let until, _) = self { return until }
        return nil
    }
}
