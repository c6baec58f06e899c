import Foundation
import Sandbox
import Testing

@Suite("GET …/integrationconfigs: pagination, order and filter")
struct ListTests {
    @Test("follows nextToken through every config exactly once, newest first, no token on the last page")
    func sweep() async throws {
        try await withSandbox(SandboxOptions(seedConfigs: 45, seed: 9)) { server in
            let client = try await APIClient.authorized(server)
            let (pages, ids) = try await client.listAll(pageSize: 20)
            #expect(pages == 3)
            #expect(ids.count == 45)
            #expect(Set(ids).count == 45)
            let expected = await server.configs()
                .sorted { ($0.dtCreated, $0.id) > ($1.dtCreated, $1.id) }
                .map(\.id)
            #expect(ids == expected)
        }
    }

    @Test("omits nextToken when the last page is exactly full")
    func exactPages() async throws {
        try await withSandbox(SandboxOptions(seedConfigs: 40)) { server in
            let client = try await APIClient.authorized(server)
            let (pages, ids) = try await client.listAll(pageSize: 20)
            #expect(pages == 2)
            #expect(ids.count == 40)
        }
    }

    @Test("returns 10 configs per page without pageSize, and accepts an empty pageSize")
    func defaultPageSize() async throws {
        try await withSandbox(SandboxOptions(seedConfigs: 25)) { server in
            let client = try await APIClient.authorized(server)
            for query in [[:], ["pageSize": ""]] {
                let page = try await client.send("GET", client.configsPath(), query: query).object
                #expect((page["data"] as? [Any])?.count == 10)
                #expect(page["nextToken"] is String)
            }
        }
    }

    @Test("refuses pageSize outside 1-200 with 400", arguments: ["0", "201", "-1", "abc", "1.5"])
    func badPageSize(pageSize: String) async throws {
        try await withSandbox(SandboxOptions(seedConfigs: 1)) { server in
            let client = try await APIClient.authorized(server)
            let response = try await client.send("GET", client.configsPath(), query: ["pageSize": pageSize])
            #expect(response.status == 400)
            #expect(response.message.contains("pageSize"))
        }
    }

    @Test("accepts the bounds 1 and 200", arguments: [1, 200])
    func pageSizeBounds(pageSize: Int) async throws {
        try await withSandbox(SandboxOptions(seedConfigs: 3)) { server in
            let client = try await APIClient.authorized(server)
            let response = try await client.send("GET", client.configsPath(), query: ["pageSize": String(pageSize)])
            #expect(response.status == 200)
            #expect((response.object["data"] as? [Any])?.count == min(pageSize, 3))
        }
    }

    @Test("refuses a nextToken it did not issue with 400")
    func badToken() async throws {
        try await withSandbox(SandboxOptions(seedConfigs: 3)) { server in
            let client = try await APIClient.authorized(server)
            let response = try await client.send("GET", client.configsPath(), query: ["nextToken": "not-a-token"])
            #expect(response.status == 400)
            #expect(response.message == "Invalid nextToken")
        }
    }

    @Test("filters by destinationId across pages")
    func destinationFilter() async throws {
        try await withSandbox(SandboxOptions(seedConfigs: 120, seed: 3)) { server in
            let client = try await APIClient.authorized(server)
            let all = await server.configs()
            let counts = Dictionary(grouping: all.compactMap(\.destinationId), by: { $0 }).mapValues(\.count)
            let (target, count) = try #require(counts.max { $0.value < $1.value })
            let (_, ids) = try await client.listAll(pageSize: 7, destinationId: target)
            #expect(ids.count == count)
            #expect(Set(ids) == Set(all.filter { $0.destinationId == target }.map(\.id)))
        }
    }

    @Test("returns every response field of the spec for every config, null when absent")
    func fullShape() async throws {
        try await withSandbox(SandboxOptions(seedConfigs: 30)) { server in
            let client = try await APIClient.authorized(server)
            let page = try await client.send("GET", client.configsPath(), query: ["pageSize": "30"]).object
            let data = try #require(page["data"] as? [[String: Any]])
            #expect(data.count == 30)
            for item in data { #expect(Set(item.keys) == specResponseFields) }
            #expect(Set(page.keys) == ["data"])
        }
    }

    @Test("keeps pages consistent when a config is created between pages")
    func stableCursor() async throws {
        try await withSandbox(SandboxOptions(seedConfigs: 10)) { server in
            let client = try await APIClient.authorized(server)
            let first = try await client.send("GET", client.configsPath(), query: ["pageSize": "5"]).object
            let token = try #require(first["nextToken"] as? String)
            let created = try await client.send(
                "POST", client.configsPath(), json: ["entityType": "Bill", "destination": "Stripe"])
            #expect(created.status == 200)
            let second = try await client.send(
                "GET", client.configsPath(), query: ["pageSize": "5", "nextToken": token]
            ).object
            let firstIds = (first["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            let secondIds = (second["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(Set(firstIds + secondIds).count == 10)
            #expect(second["nextToken"] == nil)
        }
    }
}
