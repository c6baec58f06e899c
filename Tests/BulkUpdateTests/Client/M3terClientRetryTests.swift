import Foundation
import Planner
import Testing

@testable import BulkUpdate

@Suite("M3terClient retries")
struct M3terClientRetryTests {
    typealias F = ClientFixture

    static let body = IntegrationConfig(id: "a", version: 1, entityType: "Bill", destination: "Webhook").updateBody
    static let timeout = APIError.transport(message: "request to https://api.example.test timed out", requestSent: true)
    static let refused = APIError.transport(message: "could not connect", requestSent: false)

    @Test("reads retry 5xx, 408 and transport errors with backoff")
    func readsRetry() async throws {
        let clock = ManualClock(autoAdvance: true)
        let metrics = RequestMetrics(clock: clock)
        let transport = ScriptedTransport(
            F.withToken { _, count throws(APIError) in
                switch count {
                case 0: return F.response(503, "")
                case 1: return F.response(408, "")
                case 2: throw Self.timeout
                case 3: return F.response(500, #"{"message":"oops"}"#)
                default: return F.response(200, F.configJSON("a"))
                }
            })
        let client = try F.client(transport, clock: clock, metrics: metrics)
        _ = try await client.getConfig(id: "a")
        #expect(transport.apiRequests.count == 5)
        #expect(await metrics.retries == 4)
        #expect(await metrics.requests == 6)
        let backoffs = clock.sleeps.filter { $0 >= .milliseconds(200) }
        #expect(backoffs.count == 4)
        for (retry, delay) in backoffs.enumerated() {
            let full = RetryPolicy().backoff(retry: retry)
            #expect(delay >= full / 2 && delay <= full)
        }
    }

    @Test("reads give up after six attempts with the last error")
    func readsGiveUp() async throws {
        let transport = ScriptedTransport(F.withToken { _, _ in F.response(502, #"{"message":"Bad gateway"}"#) })
        await #expect(throws: APIError.http(status: 502, message: "Bad gateway")) {
            try await F.client(transport).listConfigs(destinationId: nil)
        }
        #expect(transport.apiRequests.count == 6)
    }

    @Test("writes are not resent after a 5xx or a lost response", arguments: [true, false])
    func writesNotBlindlyRetried(lostResponse: Bool) async throws {
        let transport = ScriptedTransport(
            F.withToken { _, _ throws(APIError) in
                if lostResponse { throw Self.timeout }
                return F.response(500, #"{"message":"Internal error"}"#)
            })
        let client = try F.client(transport)
        let expected = lostResponse ? Self.timeout : APIError.http(status: 500, message: "Internal error")
        await #expect(throws: expected) { try await client.updateConfig(id: "a", body: Self.body) }
        await #expect(throws: expected) { try await client.enableConfig(id: "a") }
        #expect(transport.apiRequests.count == 2)
    }

    @Test("writes are retried when the connection was never made")
    func writesRetryUnsent() async throws {
        let transport = ScriptedTransport(
            F.withToken { _, count throws(APIError) in
                if count < 2 { throw Self.refused }
                return F.response(200, F.configJSON("a", version: 2))
            })
        let updated = try await F.client(transport).updateConfig(id: "a", body: Self.body)
        #expect(updated.version == 2)
        #expect(transport.apiRequests.count == 3)
    }

    @Test("a 429 on a write waits for Retry-After, tells the limiter, and retries")
    func throttledWrite() async throws {
        let clock = ManualClock(autoAdvance: true)
        let metrics = RequestMetrics(clock: clock)
        let transport = ScriptedTransport(
            F.withToken { _, count in
                count == 0
                    ? F.response(429, #"{"message":"Too Many Requests"}"#, headers: ["Retry-After": "3"])
                    : F.response(200, F.configJSON("a", version: 2))
            })
        let client = try F.client(transport, clock: clock, rate: 40, metrics: metrics, recovery: 0.01)
        _ = try await client.updateConfig(id: "a", body: Self.body)
        #expect(transport.apiRequests.count == 2)
        #expect(clock.sleeps.contains(.seconds(3)))
        #expect(clock.elapsed >= .seconds(3))
        #expect(await metrics.throttled == 1)
        let rate = await client.limiter.effectiveRate
        #expect(rate < 40)
    }

    @Test(
        "retry-after-ms is honoured and capped at 60 s",
        arguments: [("1500", 1_500), ("90000", 60_000)] as [(String, Int64)])
    func retryAfterMilliseconds(value: String, expected: Int64) async throws {
        let clock = ManualClock(autoAdvance: true)
        let transport = ScriptedTransport(
            F.withToken { _, count in
                count == 0
                    ? F.response(503, "", headers: ["retry-after-ms": value]) : F.response(200, F.configJSON("a"))
            })
        _ = try await F.client(transport, clock: clock).getConfig(id: "a")
        #expect(clock.sleeps.contains(.milliseconds(expected)))
    }

    @Test(
        "a Retry-After date is waited for until then, by the injected wall clock, capped at 60 s, never negative",
        arguments: [
            ("Fri, 15 Jan 2027 08:00:05 GMT", 5_000), ("Friday, 15-Jan-27 08:00:09 GMT", 9_000),
            ("Fri Jan 15 08:10:00 2027", 60_000), ("Fri, 15 Jan 2027 07:59:30 GMT", 0),
        ] as [(String, Int64)])
    func retryAfterDate(value: String, expected: Int64) async throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)  // Fri, 15 Jan 2027 08:00:00 GMT
        let clock = ManualClock(autoAdvance: true)
        let transport = ScriptedTransport(
            F.withToken { _, count in
                count == 0
                    ? F.response(429, #"{"message":"Too Many Requests"}"#, headers: ["Retry-After": value])
                    : F.response(200, F.configJSON("a", version: 2))
            })
        let client = try F.client(
            transport, clock: clock, limiterClock: ManualClock(autoAdvance: true), now: { now })
        _ = try await client.updateConfig(id: "a", body: Self.body)
        #expect(transport.apiRequests.count == 2)
        // The client's clock serves only retry waits here (the limiter has its own): one wait, the date's.
        #expect(clock.sleeps == [.milliseconds(expected)])
    }

    @Test("a write that stays throttled fails with the 429 after the last attempt")
    func throttledWriteGivesUp() async throws {
        let transport = ScriptedTransport(F.withToken { _, _ in F.response(429, #"{"message":"slow down"}"#) })
        let client = try F.client(transport, retry: RetryPolicy(maxAttempts: 3))
        await #expect(throws: APIError.http(status: 429, message: "slow down")) {
            try await client.updateConfig(id: "a", body: Self.body)
        }
        #expect(transport.apiRequests.count == 3)
    }

    @Test("a cancelled task stops retrying")
    func cancellation() async throws {
        let clock = ManualClock()
        let transport = ScriptedTransport(F.withToken { _, _ in F.response(503, "") })
        let client = try F.client(transport, clock: clock, limiterClock: ManualClock(autoAdvance: true))
        let task = Task { try await client.getConfig(id: "a") }
        await clock.waitForSleepers(1)
        task.cancel()
        await #expect(throws: APIError.cancelled) { try await task.value }
        #expect(transport.apiRequests.count == 1)
    }
}
