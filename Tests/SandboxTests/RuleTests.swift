import Foundation
import Testing

@testable import Sandbox

@Suite("Pure rules: rate window, page cursor, request validation")
struct RuleTests {
    @Test("admits the limit per whole second and refuses the rest of that second")
    func rateWindow() {
        var window = RateWindow()
        #expect(window.admit(at: 10.0, limit: 2) == .allowed)
        #expect(window.admit(at: 10.1, limit: 2) == .allowed)
        #expect(window.admit(at: 10.5, limit: 2) == .throttled(remaining: 0.5))
        #expect(window.admit(at: 10.75, limit: 2) == .throttled(remaining: 0.25))
        #expect(window.admit(at: 11.0, limit: 2) == .allowed)
        #expect(window.admit(at: 11.25, limit: 2) == .allowed)
        #expect(window.admit(at: 11.5, limit: 2) == .throttled(remaining: 0.5))
        #expect(window.admit(at: 13.5, limit: 2) == .allowed)
    }

    @Test("never refuses when the limit is off")
    func rateWindowOff() {
        var window = RateWindow()
        #expect((0..<1000).allSatisfy { _ in window.admit(at: 5, limit: 0) == .allowed })
    }

    @Test("round-trips a page cursor through its opaque token and rejects foreign tokens")
    func cursor() {
        let cursor = PageCursor(dtCreated: "2024-01-01T00:00:00.000Z", id: "abc")
        #expect(PageCursor(token: cursor.token) == cursor)
        #expect(!cursor.token.contains("="))
        #expect(PageCursor(token: "abc") == nil)
        #expect(PageCursor(token: Data("v2\na\nb".utf8).base64EncodedString()) == nil)
    }

    @Test("collects every problem of a request body in one message")
    func allProblems() {
        let body = Data(#"{"entityType": "", "destination": "a b", "entityId": "x", "name": 3}"#.utf8)
        guard case .failure(let problem) = ConfigRequest.parse(body) else {
            Issue.record("expected a failure")
            return
        }
        #expect(
            problem.message
                == "entityType must not be empty; destination 'a b' must match ^[a-zA-Z0-9_-]*$; "
                + "entityId 'x' is not a valid UUID; name must be a string, got number"
        )
    }

    @Test("accepts null optionals and ignores read-only and unknown members")
    func lenientWhereM3terIs() throws {
        let body = Data(
            #"""
            {"entityType": "Bill", "destination": "Stripe", "entityId": null, "configData": null, "version": 2,
             "id": "ignored", "enabled": false, "somethingNew": 1, "credentials": {"type": "HTTP_BASIC"}}
            """#.utf8)
        let request = try ConfigRequest.parse(body).get()
        #expect(request.entityId == nil)
        #expect(request.configData.isEmpty)
        #expect(request.version == 2)
    }

    @Test("seeded random draws repeat")
    func seeded() {
        var a = SeededRandom(seed: 5)
        var b = SeededRandom(seed: 5)
        #expect((0..<10).map { _ in a.next() } == (0..<10).map { _ in b.next() })
        #expect(ConfigRequest.isUUID(a.uuid()))
    }
}

@Suite("SandboxFaults as JSON")
struct FaultsCodingTests {
    @Test("decodes any subset of keys, defaulting the rest")
    func partial() throws {
        let faults = try JSONDecoder().decode(
            SandboxFaults.self, from: Data(#"{"errorRate": 0.25, "lostResponseMode": "empty"}"#.utf8))
        #expect(faults == SandboxFaults(errorRate: 0.25, lostResponseMode: .empty))
    }

    @Test("round-trips every knob")
    func roundTrip() throws {
        let faults = SandboxFaults(
            rateLimit: 5, retryAfter: 1, retryAfterFormat: .date, latencyMs: 3, jitterMs: 2, errorRate: 0.1,
            lostResponseRate: 0.2, lostResponseMode: .empty, commitErrorRate: 0.3, gatewayErrorRate: 0.4,
            versionMismatchStatus: 409, tokenLifetimeSeconds: 60, authFailureStatus: 401)
        #expect(try JSONDecoder().decode(SandboxFaults.self, from: JSONEncoder().encode(faults)) == faults)
        #expect(faults.problems.isEmpty)
    }

    @Test("lists every out-of-range knob")
    func problems() {
        let faults = SandboxFaults(
            rateLimit: -1, latencyMs: -1, errorRate: 1.5, commitErrorRate: -0.1, gatewayErrorRate: 2,
            versionMismatchStatus: 412, tokenLifetimeSeconds: 0, authFailureStatus: 500)
        #expect(faults.problems.count == 8)
    }
}
