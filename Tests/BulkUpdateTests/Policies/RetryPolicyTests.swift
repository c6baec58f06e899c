import Foundation
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
        let delay = RetryPolicy.serverDelay(
            retryAfter: retryAfter, retryAfterMilliseconds: milliseconds, now: Self.now)
        #expect(delay == .milliseconds(expected))
    }

    /// 2027-01-15 08:00:00 UTC, a Friday: the "now" the date cases are measured against.
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test(
        "reads Retry-After as an HTTP date in all three forms RFC 9110 accepts: wait until then, never negative",
        arguments: [
            ("Fri, 15 Jan 2027 08:00:07 GMT", 7_000),  // IMF-fixdate
            ("Friday, 15-Jan-27 08:00:30 GMT", 30_000),  // obsolete RFC 850 form
            ("Fri Jan 15 08:01:00 2027", 60_000),  // obsolete asctime form
            ("Fri Jan  8 08:00:00 2027", 0),  // asctime with a one-digit day, a week ago
            ("Fri, 15 Jan 2027 08:10:00 GMT", 600_000),  // the cap is decide's, as for seconds
            ("Fri, 15 Jan 2027 08:00:00 GMT", 0),  // now
            ("Fri, 15 Jan 2027 07:59:59 GMT", 0),  // just past
            ("Fri, 31 Dec 1999 23:59:59 GMT", 0),  // long past
            ("Tue, 29 Feb 2028 00:00:00 GMT", 35_395_200_000),  // a leap day
            ("  Fri, 15 Jan 2027 08:00:02 GMT ", 2_000),  // surrounding whitespace
        ] as [(String, Int64)]
    )
    func parseDate(retryAfter: String, expected: Int64) {
        let delay = RetryPolicy.serverDelay(retryAfter: retryAfter, retryAfterMilliseconds: nil, now: Self.now)
        #expect(delay == .milliseconds(expected))
    }

    @Test(
        "resolves the RFC 850 form's two-digit year to the nearest such year no more than 50 years ahead",
        arguments: [
            ("Sunday, 06-Nov-94 08:49:37 GMT", 784_111_777), ("Friday, 15-Jan-77 08:00:00 GMT", 3_377_923_200),
            ("Sunday, 15-Jan-78 08:00:00 GMT", 253_699_200),
        ] as [(String, TimeInterval)]
    )
    func twoDigitYear(text: String, expected: TimeInterval) {
        #expect(HTTPDate.parse(text, now: Self.now) == Date(timeIntervalSince1970: expected))
    }

    @Test("a date's delay is capped at 60 s like a number of seconds")
    func dateCapped() throws {
        var generator = SplitMix64(seed: 1)
        let delay = try #require(
            RetryPolicy.serverDelay(
                retryAfter: "Fri, 15 Jan 2027 09:00:00 GMT", retryAfterMilliseconds: nil, now: Self.now))
        let decision = RetryPolicy().decide(
            after: .status(429), attempt: 1, kind: .write, serverDelay: delay, using: &generator)
        #expect(decision == .retry(after: .seconds(60)))
    }

    @Test(
        "ignores what is neither a number nor an HTTP date",
        arguments: [
            "-1", "soon", "", "Fri, 15 Jan 2027 08:00:07 UTC", "Fri, 15 Jan 2027 08:00:07",
            "Fri, 32 Jan 2027 08:00:07 GMT",
            "Fri, 29 Feb 2027 08:00:07 GMT", "Fri, 15 Foo 2027 08:00:07 GMT", "Fri, 15 Jan 2027 24:00:00 GMT",
            "Fri, 15 Jan 27 08:00:07 GMT", "Friday, 15 Jan 2027 08:00:07 GMT", "Fri, 15-Jan-27 08:00:07 GMT",
            "Fri Jan 15 08:00:07 27", "Fri, 15 Jan 2027 8:00:07 GMT", "Fri, 15 Jan 2027 08:00:+7 GMT",
        ])
    func ignoresGarbage(value: String) {
        #expect(RetryPolicy.serverDelay(retryAfter: value, retryAfterMilliseconds: value, now: Self.now) == nil)
    }
}
