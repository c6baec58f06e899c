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
