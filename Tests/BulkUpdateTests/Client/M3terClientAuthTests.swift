import Foundation
import Planner
import Testing

@testable import BulkUpdate

@Suite("M3terClient authentication")
struct M3terClientAuthTests {
    typealias F = ClientFixture

    @Test("exchanges key and secret with HTTP Basic and a client_credentials form body")
    func tokenRequestShape() async throws {
        let transport = ScriptedTransport(F.withToken { _, _ in F.response(200, F.configJSON("a")) })
        _ = try await F.client(transport).getConfig(id: "a")
        let request = try #require(transport.tokenRequests.first)
        #expect(request.method == .post)
        #expect(request.url.absoluteString == "https://api.example.test/oauth/token")
        #expect(request.header("content-type") == "application/x-www-form-urlencoded")
        #expect(request.body == Data("grant_type=client_credentials".utf8))
        let basic = try #require(request.header("authorization"))
        #expect(basic.hasPrefix("Basic "))
        let decoded = try #require(Data(base64Encoded: String(basic.dropFirst(6))))
        #expect(String(decoding: decoded, as: UTF8.self) == "\(F.apiKey):\(F.apiSecret)")
    }

    @Test("caches the token and refreshes it before it expires")
    func cachingAndRefresh() async throws {
        let clock = ManualClock()
        let transport = ScriptedTransport { request, count in
            if request.url.path.hasSuffix("/oauth/token") { return F.token("tok-\(count + 1)", expiresIn: 100) }
            return F.response(200, F.configJSON("a"))
        }
        let client = try F.client(transport, clock: clock, limiterClock: ManualClock(autoAdvance: true))
        for _ in 0..<3 { _ = try await client.getConfig(id: "a") }
        clock.advance(by: .seconds(89))
        _ = try await client.getConfig(id: "a")
        #expect(transport.tokenRequests.count == 1)
        // 10 % of a 100 s lifetime before expiry: replaced from 90 s on.
        clock.advance(by: .seconds(2))
        _ = try await client.getConfig(id: "a")
        #expect(transport.tokenRequests.count == 2)
        let bearers = transport.apiRequests.compactMap { $0.header("Authorization") }
        #expect(bearers == Array(repeating: "Bearer tok-1", count: 4) + ["Bearer tok-2"])
    }

    @Test("a 401 or 403 gets one token refresh and one resend", arguments: [401, 403])
    func refreshOnce(status: Int) async throws {
        let metrics = RequestMetrics(clock: ManualClock())
        let transport = ScriptedTransport(
            F.withToken { _, count in
                count == 0 ? F.response(status, #"{"message":"expired"}"#) : F.response(200, F.configJSON("a"))
            })
        let client = try F.client(transport, metrics: metrics)
        let current = IntegrationConfig(id: "a", version: 1, entityType: "Bill", destination: "Webhook")
        _ = try await client.updateConfig(id: "a", body: current.updateBody)
        #expect(transport.tokenRequests.count == 2)
        #expect(
            transport.apiRequests.compactMap { $0.header("authorization") } == [
                "Bearer bearer-token-1", "Bearer bearer-token-2",
            ])
        #expect(await metrics.retries == 1)
    }

    @Test("a 403 that persists after one token refresh is an authentication error")
    func persistentForbidden() async throws {
        let transport = ScriptedTransport(F.withToken { _, _ in F.response(403, #"{"message":"Forbidden"}"#) })
        await #expect(throws: APIError.authentication(status: 403, message: "Forbidden")) {
            try await F.client(transport).listConfigs(destinationId: nil)
        }
        // One refresh and one retry: the retry's token is newer than the refused attempt.
        #expect(transport.apiRequests.count == 2)
        #expect(transport.tokenRequests.count == 2)
    }

    @Test("M3TER_API_TOKEN skips the exchange; a refused static token is not retried")
    func staticToken() async throws {
        let transport = ScriptedTransport { _, count in
            count == 0 ? F.response(200, F.configJSON("a")) : F.response(401, #"{"message":"Unauthorized"}"#)
        }
        let client = try F.client(transport, credentials: Credentials(apiToken: "static-token-xyz"))
        _ = try await client.getConfig(id: "a")
        await #expect(throws: APIError.authentication(status: 401, message: "Unauthorized")) {
            try await client.getConfig(id: "a")
        }
        #expect(transport.tokenRequests.isEmpty)
        #expect(transport.requests.allSatisfy { $0.header("Authorization") == "Bearer static-token-xyz" })
        #expect(transport.requests.count == 2)
    }

    @Test("a refused token exchange is an authentication error and nothing else is sent", arguments: [400, 401, 403])
    func refusedExchange(status: Int) async throws {
        let transport = ScriptedTransport { _, _ in F.response(status, #"{"message":"Bad credentials"}"#) }
        let client = try F.client(transport)
        await #expect(
            throws: APIError.authentication(status: status, message: "token exchange refused: Bad credentials")
        ) { try await client.authenticate() }
        #expect(transport.apiRequests.isEmpty)
        #expect(transport.tokenRequests.count == 1)
    }

    @Test("a token exchange that meets a 503 is retried")
    func exchangeRetried() async throws {
        let transport = ScriptedTransport { request, count in
            if request.url.path.hasSuffix("/oauth/token") {
                return count == 0 ? F.response(503, "") : F.token()
            }
            return F.response(200, F.configJSON("a"))
        }
        _ = try await F.client(transport).getConfig(id: "a")
        #expect(transport.tokenRequests.count == 2)
    }

    @Test("concurrent requests share one token exchange")
    func sharedExchange() async throws {
        let transport = ScriptedTransport(F.withToken { _, _ in F.response(200, F.configJSON("a")) })
        let client = try F.client(transport)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<16 { group.addTask { _ = try await client.getConfig(id: "a") } }
            try await group.waitForAll()
        }
        #expect(transport.tokenRequests.count == 1)
        #expect(transport.apiRequests.count == 16)
    }

    @Test("no error description ever shows a key, secret or token, even when the server echoes one")
    func secretsNeverShown() async throws {
        let echo = "bad header Basic \(F.apiKey):\(F.apiSecret) and Bearer bearer-token-1"
        let transport = ScriptedTransport { request, _ in
            if request.url.path.hasSuffix("/oauth/token") { return F.token() }
            return F.response(400, #"{"message":"\#(echo)"}"#)
        }
        var descriptions: [String] = []
        do {
            _ = try await F.client(transport).getConfig(id: "a")
        } catch {
            descriptions.append(String(describing: error))
        }
        let refusing = ScriptedTransport { _, _ in
            F.response(401, #"{"message":"no such user \#(F.apiKey) with secret \#(F.apiSecret)"}"#)
        }
        do {
            try await F.client(refusing).authenticate()
        } catch {
            descriptions.append(String(describing: error))
        }
        let credentials = Credentials(apiKey: F.apiKey, apiSecret: F.apiSecret, apiToken: "static-token-xyz")
        descriptions.append(credentials.description)
        descriptions.append(String(reflecting: credentials))
        descriptions.append(TokenGrant(accessToken: "bearer-token-1", lifetime: .seconds(1)).description)
        var dumped = ""
        dump(credentials, to: &dumped)
        descriptions.append(dumped)
        #expect(descriptions.count == 6)
        for text in descriptions {
            for secret in [F.apiKey, F.apiSecret, "bearer-token-1", "static-token-xyz"] {
                #expect(!text.contains(secret), "\(text)")
            }
        }
    }
}
