import Foundation
import Sandbox
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite("Rate limit and injected faults")
struct FaultTests {
    @Test("throttles with 429 for the rest of a one-second window, then admits again")
    func rateLimit() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000.2))
        let options = SandboxOptions(seedConfigs: 3, faults: SandboxFaults(rateLimit: 3), now: { clock.now })
        try await withSandbox(options) { server in
            let client = try await APIClient.authorized(server)
            var statuses: [Int] = []
            for _ in 0..<5 { statuses.append(try await client.send("GET", client.configsPath()).status) }
            #expect(statuses == [200, 200, 200, 429, 429])
            clock.advance(0.7)
            #expect(try await client.send("GET", client.configsPath()).status == 429)
            clock.advance(0.2)
            #expect(try await client.send("GET", client.configsPath()).status == 200)
            let stats = await server.stats()
            #expect(stats.throttled == 3)
            #expect(stats.byStatus["429"] == 3)
            #expect(stats.tokenRequests == 1)
        }
    }

    @Test("sends no Retry-After by default, and the configured one when asked", arguments: [nil, 2] as [Int?])
    func retryAfter(seconds: Int?) async throws {
        let clock = ManualClock()
        let faults = SandboxFaults(rateLimit: 1, retryAfter: seconds)
        try await withSandbox(SandboxOptions(seedConfigs: 1, faults: faults, now: { clock.now })) { server in
            let client = try await APIClient.authorized(server)
            _ = try await client.send("GET", client.configsPath())
            let throttled = try await client.send("GET", client.configsPath())
            #expect(throttled.status == 429)
            #expect(throttled.message == "Too Many Requests")
            #expect(throttled.headers["retry-after"] == seconds.map(String.init))
        }
    }

    @Test(
        "sends Retry-After as the HTTP date that many seconds ahead, rounded up to a whole second",
        arguments: [
            (1_800_000_000.2, 2, "Fri, 15 Jan 2027 08:00:03 GMT"), (946_684_789, 10, "Fri, 31 Dec 1999 23:59:59 GMT"),
        ]
            as [(TimeInterval, Int, String)]
    )
    func retryAfterDate(now: TimeInterval, seconds: Int, expected: String) async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: now))
        let faults = SandboxFaults(rateLimit: 1, retryAfter: seconds, retryAfterFormat: .date)
        try await withSandbox(SandboxOptions(seedConfigs: 1, faults: faults, now: { clock.now })) { server in
            let client = try await APIClient.authorized(server)
            _ = try await client.send("GET", client.configsPath())
            let throttled = try await client.send("GET", client.configsPath())
            #expect(throttled.status == 429)
            #expect(throttled.headers["retry-after"] == expected)
        }
    }

    /// Sends the write `route` names ("update" or "enable") for `config`, at its current version.
    func write(_ route: String, _ config: SandboxConfig, with client: APIClient) async throws -> APIClient.Response {
        if route == "enable" {
            return try await client.send("POST", client.configsPath() + "/\(config.id)/enable")
        }
        var body = requestBody(of: config)
        body["name"] = "committed v\(config.version + 1)"
        return try await client.send("PUT", client.configsPath() + "/\(config.id)", json: body)
    }

    @Test("commits a write and then answers 500 with m3ter's JSON error body", arguments: ["update", "enable"])
    func commitError(route: String) async throws {
        try await withSandbox(SandboxOptions(seedConfigs: 1, faults: SandboxFaults(commitErrorRate: 1))) { server in
            let client = try await APIClient.authorized(server)
            var config = try #require(await server.configs().first)
            if route == "enable" {
                await server.mutate(id: config.id) { $0.enabled = false }
                config = try #require(await server.config(id: config.id))
            }
            let response = try await write(route, config, with: client)
            #expect(response.status == 500)
            #expect(response.headers["content-type"] == "application/json")
            #expect(response.message == "Internal server error (injected by the sandbox's commitErrorRate fault)")
            let stored = try #require(await server.config(id: config.id))
            #expect(stored.version == config.version + 1)
            if route == "enable" {
                #expect(stored.enabled == true)
            } else {
                #expect(stored.name == "committed v\(config.version + 1)")
            }
            let stats = await server.stats()
            #expect(stats.commitErrors == 1)
            #expect(stats.injectedErrors == 0)
            #expect(stats.writesById[config.id] == 1)
            #expect(stats.byStatus["500"] == 1)
        }
    }

    /// The statuses of `count` successive committed-then-refused updates of one config, and its final state.
    func gatewayStatuses(count: Int, seed: UInt64) async throws -> [Int] {
        let options = SandboxOptions(seedConfigs: 1, seed: seed, faults: SandboxFaults(gatewayErrorRate: 1))
        return try await withSandbox(options) { server in
            let client = try await APIClient.authorized(server)
            let first = try #require(await server.configs().first)
            var statuses: [Int] = []
            for _ in 0..<count {
                let config = try #require(await server.config(id: first.id))
                let response = try await write("update", config, with: client)
                statuses.append(response.status)
                let title = response.status == 504 ? "504 Gateway Timeout" : "502 Bad Gateway"
                let page = String(decoding: response.data, as: UTF8.self)
                #expect(response.headers["content-type"] == "text/html")
                #expect(page.hasPrefix("<html>"))
                #expect(page.contains("<head><title>\(title)</title></head>"))
                #expect(response.object.isEmpty)
                let stored = try #require(await server.config(id: first.id))
                #expect(stored.version == config.version + 1)
                #expect(stored.name == "committed v\(config.version + 1)")
            }
            let stats = await server.stats()
            #expect(stats.gatewayErrors == count)
            #expect(stats.writesById[first.id] == count)
            #expect((stats.byStatus["502"] ?? 0) + (stats.byStatus["504"] ?? 0) == count)
            return statuses
        }
    }

    @Test("commits a write and then answers 502 or 504 with a gateway's HTML page, repeatably for a seed")
    func gatewayError() async throws {
        let statuses = try await gatewayStatuses(count: 12, seed: 3)
        #expect(Set(statuses) == [502, 504])
        #expect(try await gatewayStatuses(count: 12, seed: 3) == statuses)
    }

    @Test("answers an enable that committed with a gateway error too")
    func gatewayErrorOnEnable() async throws {
        try await withSandbox(SandboxOptions(seedConfigs: 1, faults: SandboxFaults(gatewayErrorRate: 1))) { server in
            let client = try await APIClient.authorized(server)
            let id = try #require(await server.configs().first?.id)
            await server.mutate(id: id) { $0.enabled = false }
            let config = try #require(await server.config(id: id))
            let response = try await write("enable", config, with: client)
            #expect([502, 504].contains(response.status))
            #expect(response.headers["content-type"] == "text/html")
            #expect(await server.config(id: id)?.enabled == true)
            #expect(await server.stats().writesById[id] == 1)
        }
    }

    @Test("never turns reads or refused writes into commit or gateway errors")
    func postCommitFaultsOnlyForCommittedWrites() async throws {
        let faults = SandboxFaults(commitErrorRate: 1, gatewayErrorRate: 1)
        try await withSandbox(SandboxOptions(seedConfigs: 1, faults: faults)) { server in
            let client = try await APIClient.authorized(server)
            let config = try #require(await server.configs().first)
            #expect(try await client.send("GET", client.configsPath()).status == 200)
            #expect(try await client.send("GET", client.configsPath() + "/\(config.id)").status == 200)
            let stale = try await client.send(
                "PUT", client.configsPath() + "/\(config.id)", json: requestBody(of: config, version: 99))
            #expect(stale.status == 400)
            let stats = await server.stats()
            #expect(stats.commitErrors == 0)
            #expect(stats.gatewayErrors == 0)
            #expect(await server.config(id: config.id) == config)
        }
    }

    @Test("sets commitErrorRate, gatewayErrorRate and retryAfterFormat at runtime by their JSON keys")
    func postCommitFaultsRoute() async throws {
        try await withSandbox(SandboxOptions(seedConfigs: 1)) { server in
            let client = APIClient(server)
            let patched = try await client.send(
                "PATCH", "/_sandbox/faults",
                json: ["commitErrorRate": 0.25, "gatewayErrorRate": 0.5, "retryAfterFormat": "date"], bearer: false)
            #expect(patched.status == 200)
            let expected = SandboxFaults(retryAfterFormat: .date, commitErrorRate: 0.25, gatewayErrorRate: 0.5)
            #expect(try patched.decode(SandboxFaults.self) == expected)
            #expect(await server.faults() == expected)
            let listed = try await client.send("GET", "/_sandbox/faults", bearer: false)
            #expect(listed.object["commitErrorRate"] as? Double == 0.25)
            #expect(listed.object["gatewayErrorRate"] as? Double == 0.5)
            #expect(listed.object["retryAfterFormat"] as? String == "date")
            let replaced = try await client.send(
                "PUT", "/_sandbox/faults", json: ["gatewayErrorRate": 1], bearer: false)
            #expect(replaced.status == 200)
            #expect(await server.faults() == SandboxFaults(gatewayErrorRate: 1))
            let invalid = try await client.send(
                "PATCH", "/_sandbox/faults", json: ["commitErrorRate": -0.5, "gatewayErrorRate": 1.5], bearer: false)
            #expect(invalid.status == 400)
            #expect(
                invalid.message
                    == "commitErrorRate must be between 0 and 1, got -0.5; gatewayErrorRate must be between 0 and 1, got 1.5"
            )
            let badFormat = try await client.send(
                "PATCH", "/_sandbox/faults", json: ["retryAfterFormat": "minutes"], bearer: false)
            #expect(badFormat.status == 400)
            #expect(await server.faults() == SandboxFaults(gatewayErrorRate: 1))
        }
    }

    @Test("counts every request of the org, writes included, and never the admin routes")
    func adminNotLimited() async throws {
        let clock = ManualClock()
        let options = SandboxOptions(seedConfigs: 2, faults: SandboxFaults(rateLimit: 2), now: { clock.now })
        try await withSandbox(options) { server in
            let client = try await APIClient.authorized(server)
            for _ in 0..<5 {
                #expect(try await client.send("GET", "/_sandbox/state", bearer: false).status == 200)
                #expect(try await client.send("GET", "/_sandbox/stats", bearer: false).status == 200)
            }
            let id = try #require(await server.configs().first?.id)
            #expect(try await client.send("POST", client.configsPath() + "/\(id)/enable").status == 200)
            #expect(try await client.send("GET", client.configsPath()).status == 200)
            #expect(try await client.send("GET", client.configsPath()).status == 429)
            let stats = await server.stats()
            #expect(stats.totalRequests == 4)
            #expect(stats.byRoute["POST /oauth/token"] == 1)
            #expect(stats.byRoute["POST /organizations/{orgId}/integrationconfigs/{id}/enable"] == 1)
            #expect(stats.byRoute["GET /organizations/{orgId}/integrationconfigs"] == 2)
        }
    }

    @Test("fails requests with 500 at errorRate 1, committing nothing")
    func errorRate() async throws {
        try await withSandbox(SandboxOptions(seedConfigs: 1, faults: SandboxFaults(errorRate: 1))) { server in
            let client = try await APIClient.authorized(server)
            let config = try #require(await server.configs().first)
            let response = try await client.send(
                "PUT", client.configsPath() + "/\(config.id)", json: requestBody(of: config))
            #expect(response.status == 500)
            #expect(!response.message.isEmpty)
            #expect(await server.config(id: config.id) == config)
            #expect(await server.stats().injectedErrors == 1)
        }
    }

    @Test("draws errors with the given probability, repeatably for a seed")
    func errorRateIsSeeded() async throws {
        func statuses() async throws -> [Int] {
            let options = SandboxOptions(seedConfigs: 1, seed: 42, faults: SandboxFaults(rateLimit: 0, errorRate: 0.5))
            return try await withSandbox(options) { server in
                let client = try await APIClient.authorized(server)
                var statuses: [Int] = []
                for _ in 0..<40 { statuses.append(try await client.send("GET", client.configsPath()).status) }
                return statuses
            }
        }
        let first = try await statuses()
        #expect(try await statuses() == first)
        #expect(first.contains(500))
        #expect(first.contains(200))
    }

    @Test("commits a write and then drops the connection with no response: URLSession sees a transport error")
    func lostResponse() async throws {
        try await withSandbox(SandboxOptions(seedConfigs: 1, faults: SandboxFaults(lostResponseRate: 1))) { server in
            let client = try await APIClient.authorized(server)
            let config = try #require(await server.configs().first)
            var body = requestBody(of: config)
            body["name"] = "written but never acknowledged"
            await #expect(throws: URLError.self) {
                _ = try await client.send("PUT", client.configsPath() + "/\(config.id)", json: body)
            }
            let stored = try #require(await server.config(id: config.id))
            #expect(stored.version == config.version + 1)
            #expect(stored.name == "written but never acknowledged")
            let stats = await server.stats()
            #expect(stats.lostResponses == 1)
            #expect(stats.writesById[config.id] == 1)
            #expect(try await client.send("GET", client.configsPath() + "/\(config.id)").status == 200)
        }
    }

    @Test("in empty mode, closes the connection before sending a single byte")
    func emptyLostResponse() async throws {
        let faults = SandboxFaults(lostResponseRate: 1, lostResponseMode: .empty)
        try await withSandbox(SandboxOptions(seedConfigs: 1, faults: faults)) { server in
            let client = try await APIClient.authorized(server)
            let config = try #require(await server.configs().first)
            let request =
                "POST \(client.configsPath())/\(config.id)/enable HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Authorization: Bearer \(client.token ?? "")\r\nContent-Length: 0\r\n\r\n"
            let reply = try await RawHTTP.exchange(port: server.port, request: request)
            #expect(reply.isEmpty)
            #expect(await server.config(id: config.id)?.version == config.version + 1)
            #expect(await server.stats().lostResponses == 1)
        }
    }

    @Test("never drops reads or failed writes")
    func lostResponseOnlyForCommittedWrites() async throws {
        try await withSandbox(SandboxOptions(seedConfigs: 1, faults: SandboxFaults(lostResponseRate: 1))) { server in
            let client = try await APIClient.authorized(server)
            let config = try #require(await server.configs().first)
            #expect(try await client.send("GET", client.configsPath()).status == 200)
            let stale = try await client.send(
                "PUT", client.configsPath() + "/\(config.id)", json: requestBody(of: config, version: 99))
            #expect(stale.status == 400)
            #expect(await server.stats().lostResponses == 0)
        }
    }

    @Test("adds latency and serves requests concurrently")
    func latencyAndConcurrency() async throws {
        let options = SandboxOptions(seedConfigs: 5, faults: SandboxFaults(rateLimit: 0, latencyMs: 40, jitterMs: 10))
        try await withSandbox(options) { server in
            let client = try await APIClient.authorized(server, connections: 8)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 { group.addTask { try await client.send("GET", client.configsPath()).status } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 8))
            #expect(await server.stats().peakConcurrent >= 2)
        }
    }

    @Test("reads and changes faults at runtime through the admin route")
    func faultsRoute() async throws {
        try await withSandbox(SandboxOptions(seedConfigs: 1)) { server in
            let client = APIClient(server)
            let initial = try await client.send("GET", "/_sandbox/faults", bearer: false)
            #expect(try initial.decode(SandboxFaults.self) == SandboxFaults())
            let patched = try await client.send(
                "PATCH", "/_sandbox/faults", json: ["rateLimit": 7, "versionMismatchStatus": 409], bearer: false)
            #expect(patched.status == 200)
            #expect(await server.faults() == SandboxFaults(rateLimit: 7, versionMismatchStatus: 409))
            let replaced = try await client.send("PUT", "/_sandbox/faults", json: ["latencyMs": 1], bearer: false)
            #expect(replaced.status == 200)
            #expect(await server.faults() == SandboxFaults(latencyMs: 1))
            let invalid = try await client.send("PATCH", "/_sandbox/faults", json: ["errorRate": 2], bearer: false)
            #expect(invalid.status == 400)
            #expect(invalid.message == "errorRate must be between 0 and 1, got 2.0")
            #expect(await server.faults() == SandboxFaults(latencyMs: 1))
        }
    }

    @Test("resets to the seed state with zeroed statistics")
    func reset() async throws {
        try await withSandbox(SandboxOptions(seedConfigs: 4)) { server in
            let seed = await server.configs()
            let client = try await APIClient.authorized(server)
            let id = seed[0].id
            _ = try await client.send("DELETE", client.configsPath() + "/\(id)")
            _ = try await client.send(
                "POST", client.configsPath(), json: ["entityType": "Bill", "destination": "Xero"])
            #expect(await server.configs() != seed)
            let response = try await client.send("POST", "/_sandbox/reset", bearer: false)
            #expect(response.status == 200)
            #expect(await server.configs() == seed)
            #expect(await server.stats() == SandboxStats())
            #expect(try await client.send("GET", client.configsPath()).status == 200)
        }
    }
}
