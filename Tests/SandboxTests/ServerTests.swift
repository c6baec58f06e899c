import Foundation
import Sandbox
import Testing

@Suite("SandboxServer lifecycle and test hooks")
struct ServerTests {
    @Test("starts on 127.0.0.1 with a free port and stops cleanly")
    func lifecycle() async throws {
        let server = try await SandboxServer.start(SandboxOptions(seedConfigs: 3))
        #expect(server.baseURL.absoluteString == "http://127.0.0.1:\(server.port)")
        #expect(server.port != 0)
        #expect(server.orgId == SandboxOptions.defaultOrgId)
        let client = try await APIClient.authorized(server)
        #expect(try await client.send("GET", client.configsPath()).status == 200)
        await server.stop()
        await #expect(throws: (any Error).self) { _ = try await client.send("GET", client.configsPath()) }
    }

    @Test("refuses a port that is already taken")
    func portInUse() async throws {
        try await withSandbox(SandboxOptions(seedConfigs: 0)) { server in
            await #expect(throws: SandboxError.self) {
                try await SandboxServer.start(SandboxOptions(port: server.port, seedConfigs: 0))
            }
        }
    }

    @Test("simulates another user's edit: the version moves and a stale PUT is refused")
    func mutate() async throws {
        try await withSandbox(SandboxOptions(seedConfigs: 2)) { server in
            let before = try #require(await server.configs().first)
            let edited = await server.mutate(id: before.id) { $0.name = "edited elsewhere" }
            #expect(edited?.version == before.version + 1)
            #expect(edited?.name == "edited elsewhere")
            #expect(edited?.lastModifiedBy != SandboxOptions.defaultUserId)
            #expect(await server.mutate(id: "unknown") { $0.name = "x" } == nil)
            let client = try await APIClient.authorized(server)
            let stale = try await client.send(
                "PUT", client.configsPath() + "/\(before.id)", json: requestBody(of: before))
            #expect(stale.status == 400)
            #expect(stale.message.contains("version \(before.version)"))
            #expect(await server.stats().writesById.isEmpty)
        }
    }

    @Test("serves two sandboxes side by side with their own state")
    func isolation() async throws {
        try await withSandbox(SandboxOptions(seedConfigs: 2, seed: 1)) { a in
            try await withSandbox(SandboxOptions(orgId: "org-b", seedConfigs: 5, seed: 2)) { b in
                #expect(a.port != b.port)
                #expect(await a.configs().count == 2)
                #expect(await b.configs().count == 5)
                let client = try await APIClient.authorized(b)
                #expect(try await client.send("GET", client.configsPath()).status == 200)
                #expect(try await client.send("GET", client.configsPath(org: a.orgId)).status == 403)
            }
        }
    }
}
