import TestSupport
import Testing

@testable import BulkUpdate

@Suite("RetryPolicy")
struct RetryPolicyTests {
    typealias Failure = RetryPolicy.Failure

    static let readCases: [(Failure, Bool)] = [
        (.status(408), true), (.status(429), true), (.status(500), true), (.status(502), true), (.status(503), true),
        (.status(504), true), (.status(599), true), (.status(400), false), (.status(401), false),
        (.status(403), false), (.status(404), false), (.status(409), false), (.status(422), false),
        (.transport(requestSent: true), true), (.transport(requestSent: false), true),
    ]

    static let writeCases: [(Failure, Bool)] = [
        (.status(429), true), (.transport(requestSent: false), true), (.status(408), false), (.status(500), false),
        (.status(503), false), (.status(400), false), (.status(403), false), (.status(404), false),
        (.status(409), false), (.transport(requestSent: true), false),
    ]

    @Test("reads retry 408, 429, 5xx and transport errors only", arguments: readCases)
    func readRetryable(failure: Failure, retryable: Bool) {
        #expect(RetryPolicy().isRetryable(failure, kind: .read) == retryable)
    }

    @Test("writes retry only what certainly was not processed", arguments: writeCases)
    func writeRetryable(failure: Failure, retryable: Bool) {
        #expect(RetryPolicy().isRetryable(failure, kind: .write) == retryable)
    }

    @Test(
        "backs off min(0.5·2ⁿ, 8) seconds",
        arguments: [(0, 500), (1, 1_000), (2, 2_000), (3, 4_000), (4, 8_000), (5, 8_000), (40, 8_000)])
    func backoff(retry: Int, milliseconds: Int64) {
        #expect(RetryPolicy().backoff(retry: retry) == .milliseconds(milliseconds))
    }

    @Test("jitter stays within the upper half of the backoff and is reproducible")
    func jitter() {
        let policy = RetryPolicy()
        var generator = SplitMix64(seed: 7)
        var other = SplitMix64(seed: 7)
        for retry in 0..<8 {
            let full = policy.backoff(retry: retry)
            for _ in 0..<50 {
                let delay = policy.jitteredBackoff(retry: retry, using: &generator)
                #expect(delay >= full / 2 && delay < full)
                #expect(delay == policy.jitteredBackoff(retry: retry, using: &other))
            }
        }
    }

    @Test("gives up after the last attempt")
    func boundedAttempts() {
        let policy = RetryPolicy()
        var generator = SplitMix64(seed: 1)
        for attempt in 1..<6 {
            let decision = policy.decide(after: .status(503), attempt: attempt, kind: .read, using: &generator)
            #expect(decision != .giveUp)
        }
        #expect(policy.decide(after: .status(503), attempt: 6, kind: .read, using: &generator) == .giveUp)
        let single = RetryPolicy(maxAttempts: 1)
        #expect(single.decide(after: .status(503), attempt: 1, kind: .read, using: &generator) == .giveUp)
    }

    @Test("the server's delay wins over the backoff, up to 60 s")
    func serverDelay() {
        let policy = RetryPolicy()
        var generator = SplitMix64(seed: 1)
        let honoured = policy.decide(
            after: .status(429), attempt: 1, kind: .write, serverDelay: .seconds(7), using: &generator)
        #expect(honoured == .retry(after: .seconds(7)))
        let capped = policy.decide(
            after: .status(503), attempt: 3, kind: .read, serverDelay: .seconds(600), using: &generator)
        #expect(capped == .retry(after: .seconds(60)))
        let notRetryable = policy.decide(
            after: .status(500), attempt: 1, kind: .write, serverDelay: .seconds(1), using: &generator)
        #expect(notRetryable == .giveUp)
    }

    @Test(
        "reads Retry-After seconds and retry-after-ms",
        arguments: [
            ("3", nil, 3_000), ("1.5", nil, 1_500), (nil, "250", 250), ("9", "250", 250), (" 2 ", nil, 2_000),
        ] as [(String?, String?, Int64)]
    )
    func parseServerDelay(retryAfter: String?, milliseconds: String?, expected: Int64) {
        let delay = RetryPolicy.serverDelay(retryAfter: retryAfter, retryAfterMilliseconds: milliseconds)
        #expect(delay == .milliseconds(expected))
    }

    @Test(
        "ignores delays that are not non-negative numbers",
        arguments: ["Wed, 21 Oct 2015 07:28:00 GMT", "-1", "soon", ""])
    func ignoresGarbage(value: String) {
        #expect(RetryPolicy.serverDelay(retryAfter: value, retryAfterMilliseconds: value) == nil)
    }
}
