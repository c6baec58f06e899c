import Foundation
import Sandbox
import TestSupport
import Testing

@Suite("Seed data: generated and loaded")
struct SeedTests {
    @Test("generates the same configs for the same count and seed, different ones for another seed")
    func deterministic() {
        let a = SeedData.generate(count: 50, seed: 7)
        #expect(a == SeedData.generate(count: 50, seed: 7))
        #expect(a != SeedData.generate(count: 50, seed: 8))
        #expect(Set(a.map(\.id)).count == 50)
    }

    @Test("generates a realistic mix that gives selectors something to match")
    func mix() throws {
        let configs = SeedData.generate(count: 300, seed: 1)
        let bills = configs.filter { $0.entityType == "Bill" }
        let notifications = configs.filter { $0.entityType == "Notification" }
        #expect(Set(bills.map(\.destination)) == ["Stripe", "Netsuite", "Xero"])
        #expect(Set(notifications.map(\.destination)) == ["Webhook"])
        #expect(notifications.allSatisfy { $0.entityId != nil && $0.destinationId != nil })
        #expect(bills.count > notifications.count)
        let groups = Dictionary(grouping: configs.compactMap(\.integrationCredentialsId), by: { $0 })
        #expect(groups.count >= 4)
        #expect(groups.values.allSatisfy { $0.count >= 5 })
        #expect(configs.contains { $0.integrationCredentialsId == nil })
        let disabled = configs.filter { !$0.enabled }.count
        #expect((15...90).contains(disabled))
        #expect(configs.contains { $0.name?.contains(",") == true })
        #expect(configs.contains { $0.name?.contains("\"") == true })
        let secretKeys = ["apiSecret", "password", "clientSecret", "signingSecret"]
        #expect(configs.allSatisfy { config in secretKeys.contains { config.configData[$0] != nil } })
        #expect(configs.allSatisfy { config in config.configData.values.contains { $0.objectValue != nil } })
        #expect(Set(configs.map(\.dtCreated)).count < configs.count)
        #expect(configs.allSatisfy { $0.dtLastModified >= $0.dtCreated })
    }

    @Test("loads the sample data file, and the state route's output round-trips as a data file")
    func loadSample() async throws {
        let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../samples/sandbox-seed.json").standardizedFileURL
        let configs = try SeedData.load(sample)
        #expect(configs.count >= 20)
        try await withSandbox(SandboxOptions(dataFile: sample)) { server in
            #expect(Set(await server.configs()) == Set(configs))
            let state = try await APIClient(server).send("GET", "/_sandbox/state", bearer: false)
            let directory = try TestSupport.temporaryDirectory("sandbox")
            let file = directory.appendingPathComponent("state.json")
            try state.data.write(to: file)
            #expect(Set(try SeedData.load(file)) == Set(configs))
        }
    }

    @Test(
        "refuses data files that are unreadable or inconsistent",
        arguments: [
            ("{", "cannot read sandbox data file"),
            ("[{\"id\": \"a\"}]", "missing 'entityType' at [0]"),
            (
                "[{\"id\":\"a\",\"entityType\":\"Bill\",\"destination\":\"X\"},"
                    + "{\"id\":\"a\",\"entityType\":\"Bill\",\"destination\":\"X\"}]",
                "duplicate id a"
            ),
            (
                "{\"configs\": [{\"id\":\"a\",\"entityType\":\"Bill\",\"destination\":\"X\",\"dtCreated\":\"yesterday\"}]}",
                "dtCreated is not ISO-8601"
            ),
        ]
    )
    func badFiles(content: String, message: String) throws {
        let file = try TestSupport.temporaryDirectory("sandbox").appendingPathComponent("seed.json")
        try Data(content.utf8).write(to: file)
        let error = #expect(throws: SandboxError.self) { try SeedData.load(file) }
        #expect(error?.description.contains(message) == true)
    }

    @Test("refuses to start with a missing data file or bad faults")
    func badOptions() async throws {
        let missing = URL(fileURLWithPath: "/nonexistent/seed.json")
        await #expect(throws: SandboxError.self) { try await SandboxServer.start(SandboxOptions(dataFile: missing)) }
        let faults = SandboxFaults(versionMismatchStatus: 418)
        await #expect(throws: SandboxError.invalidFaults(["versionMismatchStatus must be 400 or 409, got 418"])) {
            try await SandboxServer.start(SandboxOptions(faults: faults))
        }
    }
}
