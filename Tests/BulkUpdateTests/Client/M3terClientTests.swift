import Foundation
import Planner
import Testing

@testable import BulkUpdate

@Suite("M3terClient requests")
struct M3terClientTests {
    typealias F = ClientFixture

    static func page(_ ids: Range<Int>, next: String?) -> String {
        let items = ids.map { F.configJSON("c\($0)") }.joined(separator: ",")
        let token = next.map { #","nextToken":"\#($0)""# } ?? ""
        return #"{"data":[\#(items)]\#(token)}"#
    }

    @Test("the list sweep follows nextToken with pageSize=200 until it is absent")
    func pagination() async throws {
        let transport = ScriptedTransport(
            F.withToken { request, count in
                switch count {
                case 0: F.response(200, Self.page(0..<200, next: "t1"))
                case 1: F.response(200, Self.page(200..<400, next: "t2"))
                default: F.response(200, Self.page(400..<413, next: nil))
                }
            })
        let metrics = RequestMetrics(clock: ManualClock())
        let client = try F.client(transport, metrics: metrics)
        let configs = try await client.listConfigs(destinationId: nil)
        #expect(configs.map(\.id) == (0..<413).map { "c\($0)" })
        let queries = transport.apiRequests.map(F.query)
        #expect(
            queries == [
                ["pageSize": "200"], ["pageSize": "200", "nextToken": "t1"], ["pageSize": "200", "nextToken": "t2"],
            ])
        #expect(transport.apiRequests.allSatisfy { $0.url.path == F.configsPath && $0.method == .get })
        #expect(await metrics.requests == 4)
        #expect(await metrics.tokenRequests == 1)
    }

    @Test("an empty nextToken ends the sweep", arguments: [#","nextToken":"""#, #","nextToken":null"#, ""])
    func emptyNextToken(tail: String) async throws {
        let transport = ScriptedTransport(
            F.withToken { _, _ in F.response(200, #"{"data":[\#(F.configJSON("a"))]\#(tail)}"#) })
        let configs = try await F.client(transport).listConfigs(destinationId: nil)
        #expect(configs.map(\.id) == ["a"])
        #expect(transport.apiRequests.count == 1)
    }

    @Test("a page without data is an empty page")
    func missingData() async throws {
        let transport = ScriptedTransport(F.withToken { _, _ in F.response(200, "{}") })
        #expect(try await F.client(transport).listConfigs(destinationId: nil).isEmpty)
    }

    @Test("the destinationId filter and the nextToken are sent percent-encoded")
    func filterAndEncoding() async throws {
        let transport = ScriptedTransport(
            F.withToken { _, count in
                F.response(200, count == 0 ? Self.page(0..<1, next: "a+b/c=") : Self.page(1..<2, next: nil))
            })
        _ = try await F.client(transport).listConfigs(destinationId: "0b7c5a7e-1111-4222-8333-444455556666")
        let second = try #require(transport.apiRequests.last)
        #expect(second.url.query?.contains("nextToken=a%2Bb%2Fc%3D") == true)
        #expect(F.query(second)["destinationId"] == "0b7c5a7e-1111-4222-8333-444455556666")
    }

    @Test("a nextToken that repeats stops the sweep with an error")
    func repeatingToken() async throws {
        let transport = ScriptedTransport(F.withToken { _, _ in F.response(200, Self.page(0..<1, next: "same")) })
        await #expect(throws: APIError.decoding(message: "the config list repeats a nextToken; stopping the sweep")) {
            try await F.client(transport).listConfigs(destinationId: nil)
        }
        #expect(transport.apiRequests.count == 2)
    }

    @Test("GET by id decodes leniently")
    func getConfig() async throws {
        let body = F.configJSON("abc", version: 7, extra: #","unknownKey":{"x":1},"configData":{"url":"https://x"}"#)
        let transport = ScriptedTransport(F.withToken { _, _ in F.response(200, body) })
        let config = try await F.client(transport).getConfig(id: "abc")
        #expect(config.version == 7)
        #expect(config.configData == ["url": .string("https://x")])
        let request = try #require(transport.apiRequests.first)
        #expect(request.url.absoluteString == "https://api.example.test\(F.configsPath)/abc")
        #expect(request.header("authorization") == "Bearer bearer-token-1")
        #expect(transport.requests.allSatisfy { $0.header("user-agent") == M3terClient.userAgent })
    }

    @Test("PUT sends the full body with its version as JSON")
    func updateConfig() async throws {
        let transport = ScriptedTransport(F.withToken { _, _ in F.response(200, F.configJSON("abc", version: 4)) })
        let current = IntegrationConfig(
            id: "abc", version: 3, entityType: "Bill", destination: "Webhook", configData: ["k": .integer(1)],
            name: "n")
        let updated = try await F.client(transport).updateConfig(id: "abc", body: current.updateBody)
        #expect(updated.version == 4)
        let request = try #require(transport.apiRequests.first)
        #expect(request.method == .put)
        #expect(request.url.path == "\(F.configsPath)/abc")
        #expect(request.header("content-type") == "application/json")
        let sent = try JSONValue(parsing: String(decoding: try #require(request.body), as: UTF8.self))
        #expect(
            sent
                == .object([
                    "entityType": .string("Bill"), "destination": .string("Webhook"),
                    "configData": .object(["k": .integer(1)]),
                    "name": .string("n"), "version": .integer(3),
                ]))
    }

    @Test("a committed write whose response is not a config is read back, not reported as failed")
    func writeResponseReadBack() async throws {
        let transport = ScriptedTransport(
            F.withToken { request, _ in
                request.method == .get ? F.response(200, F.configJSON("abc", version: 4)) : F.response(200, "")
            })
        let current = IntegrationConfig(id: "abc", version: 3, entityType: "Bill", destination: "Webhook")
        let updated = try await F.client(transport).updateConfig(id: "abc", body: current.updateBody)
        #expect(updated.version == 4)
        #expect(transport.apiRequests.map(\.method) == [.put, .get])
    }

    @Test("enable is a POST to …/{id}/enable without a body")
    func enableConfig() async throws {
        let transport = ScriptedTransport(
            F.withToken { _, _ in F.response(200, F.configJSON("abc", version: 2, extra: #","enabled":true"#)) })
        let config = try await F.client(transport).enableConfig(id: "abc")
        #expect(config.enabled == true)
        let request = try #require(transport.apiRequests.first)
        #expect(request.method == .post)
        #expect(request.url.path == "\(F.configsPath)/abc/enable")
        #expect(request.body == nil)
    }

    @Test(
        "maps error statuses and messages",
        arguments: [
            (
                400, #"{"message":"Version mismatch: expected 3 but was 4"}"#,
                APIError.versionConflict(status: 400, message: "Version mismatch: expected 3 but was 4")
            ),
            (409, #"{"message":"Conflict"}"#, .versionConflict(status: 409, message: "Conflict")),
            (
                400, #"{"message":"entityType must match ^[a-zA-Z0-9_-]*$"}"#,
                .http(status: 400, message: "entityType must match ^[a-zA-Z0-9_-]*$")
            ),
            (404, #"{"message":"IntegrationConfig not found"}"#, .notFound(message: "IntegrationConfig not found")),
            (
                422, "<html> <body>Unprocessable</body>\n</html>",
                .http(status: 422, message: "<html> <body>Unprocessable</body> </html>")
            ),
            (400, "", .http(status: 400, message: "no message")),
        ]
    )
    func errorMapping(status: Int, body: String, expected: APIError) async throws {
        let transport = ScriptedTransport(F.withToken { _, _ in F.response(status, body) })
        let current = IntegrationConfig(id: "abc", version: 3, entityType: "Bill", destination: "Webhook")
        await #expect(throws: expected) {
            try await F.client(transport).updateConfig(id: "abc", body: current.updateBody)
        }
        #expect(transport.apiRequests.count == 1)
    }

    @Test("a body that is not a config is a decoding error naming the missing key")
    func decodingError() async throws {
        let transport = ScriptedTransport(F.withToken { _, _ in F.response(200, #"{"version":1}"#) })
        await #expect(throws: APIError.decoding(message: "config abc: missing 'id'")) {
            try await F.client(transport).getConfig(id: "abc")
        }
    }

    @Test("an id is sent as one escaped path segment")
    func idEscaping() async throws {
        let transport = ScriptedTransport(F.withToken { _, _ in F.response(404, #"{"message":"nope"}"#) })
        await #expect(throws: APIError.notFound(message: "nope")) {
            try await F.client(transport).getConfig(id: "../x?y")
        }
        let request = try #require(transport.apiRequests.first)
        #expect(request.url.absoluteString.hasSuffix("/integrationconfigs/..%2Fx%3Fy"))
    }

    @Test("every request takes a permit from the shared limiter")
    func everyRequestIsRateLimited() async throws {
        let clock = ManualClock(autoAdvance: true)
        let transport = ScriptedTransport(
            F.withToken { _, count in
                count == 0 ? F.response(503, #"{"message":"busy"}"#) : F.response(200, F.configJSON("a"))
            })
        let client = try F.client(transport, clock: clock, rate: 2, retry: RetryPolicy(baseDelay: .zero))
        for _ in 0..<4 { _ = try await client.getConfig(id: "a") }
        // 1 token + 1 failed GET + 4 GETs = 6 requests at 2/s: the sixth goes at 2.5 s.
        #expect(transport.requests.count == 6)
        #expect(clock.elapsed == .milliseconds(2_500))
    }
}
