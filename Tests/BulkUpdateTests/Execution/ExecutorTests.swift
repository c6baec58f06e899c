import BulkUpdate
import Foundation
import Planner
import Synchronization
import Testing

@Suite("The executor")
struct ExecutorTests {
    let newCredentials = "22222222-2222-4222-8222-222222222222"

    func executor(_ api: FakeConfigAPI, _ options: ExecutionOptions = ExecutionOptions()) -> Executor {
        Executor(api: api, options: options, retry: RetryPolicy(baseDelay: .zero, maxDelay: .zero), random: { 0 })
    }

    func run(
        _ executor: Executor, _ items: [PlanItem], _ api: FakeConfigAPI, resumed: Bool = false,
        stop: StopSignal = StopSignal()
    ) async throws -> (ExecutionResult, [ItemOutcome]) {
        let live = Dictionary(uniqueKeysWithValues: try await api.listConfigs(destinationId: nil).map { ($0.id, $0) })
        let journal = Mutex<[ItemOutcome]>([])
        let result = try await executor.run(
            items: items, live: live, resumed: resumed, stop: stop,
            record: { outcome in journal.withLock { $0.append(outcome) } })
        return (result, journal.withLock { $0 })
    }

    @Test("applies every item once, at version + 1, and journals every outcome")
    func appliesAll() async throws {
        let configs = (1...40).map { sampleConfig($0) }
        let api = FakeConfigAPI(configs)
        let change = ConfigChange(fields: [.integrationCredentialsId: .set(newCredentials)])
        let items = configs.map { makeItem($0, change) }
        let (result, journal) = try await run(executor(api, ExecutionOptions(concurrency: 8)), items, api)
        #expect(result.stopReason == nil)
        #expect(result.outcomes.count == 40)
        #expect(Set(journal.map(\.id)) == Set(configs.map(\.id)))
        #expect(result.outcomes.allSatisfy { $0.status == .applied && $0.versionAfter == 4 && $0.attempts == 1 })
        let writes = await api.writes
        #expect(writes.values.allSatisfy { $0 == 1 })
        let final = await api.configs
        #expect(final.values.allSatisfy { $0.integrationCredentialsId == newCredentials && $0.version == 4 })
        #expect(final.values.allSatisfy { $0.configData?["region"] == .string("eu") })
    }

    @Test("a lost response after a committed write is reconciled, not written twice")
    func lostResponse() async throws {
        let config = sampleConfig(1)
        let api = FakeConfigAPI([config])
        await api.scriptPut(config.id, [.lostResponse])
        let item = makeItem(config, ConfigChange(fields: [.name: .set("renamed")]))
        let (result, _) = try await run(executor(api), [item], api)
        let outcome = try #require(result.outcomes.first)
        #expect(outcome.status == .applied)
        #expect(outcome.reconciled)
        #expect(outcome.versionAfter == 4)
        #expect(await api.writes[config.id] == 1)
    }

    @Test("a 5xx is re-read before the write is sent again; a 429 is resent with the same body")
    func retries() async throws {
        let config = sampleConfig(1)
        let api = FakeConfigAPI([config])
        await api.scriptPut(
            config.id,
            [
                .before(.http(status: 503, message: "unavailable")), .before(.http(status: 429, message: "slow down")),
            ])
        let item = makeItem(config, ConfigChange(fields: [.name: .set("renamed")]))
        let (result, _) = try await run(executor(api), [item], api)
        let outcome = try #require(result.outcomes.first)
        #expect(outcome.status == .applied)
        #expect(!outcome.reconciled)
        #expect(outcome.attempts == 4)  // PUT 503, GET, PUT 429, PUT
        #expect(result.resends == 2)
        #expect(await api.reads == 2)  // the list sweep and the re-read after the 503
        #expect(await api.writes[config.id] == 1)
    }

    @Test(
        "a write that commits and is then answered with a 5xx is found applied by a re-read, never sent again",
        arguments: [500, 502, 504], [false, true])
    func committedThen5xx(status: Int, enable: Bool) async throws {
        let config = sampleConfig(1, enabled: !enable)
        let api = FakeConfigAPI([config])
        let fault = FakeConfigAPI.Fault.after(.http(status: status, message: "after the commit"))
        if enable {
            await api.scriptEnable(config.id, [fault])
        } else {
            await api.scriptPut(config.id, [fault])
        }
        let change = enable ? ConfigChange(enable: true) : ConfigChange(fields: [.name: .set("renamed")])
        let (result, _) = try await run(executor(api), [makeItem(config, change)], api)
        let outcome = try #require(result.outcomes.first)
        #expect(outcome.status == (enable ? .enabled : .applied))
        #expect(outcome.reconciled)
        #expect(outcome.versionAfter == 4)
        #expect(outcome.attempts == 2)  // the write and the re-read
        #expect(result.resends == 0)
        #expect(await api.writes[config.id] == 1)
        let final = try #require(await api.configs[config.id])
        #expect(enable ? final.enabled == true : final.name == "renamed")
    }

    @Test("another user's edit to an unrelated field survives; an edit to our field is a conflict")
    func conflicts() async throws {
        let first = sampleConfig(1)
        let second = sampleConfig(2)
        let api = FakeConfigAPI([first, second])
        await api.race(first.id) { $0.name = "edited meanwhile" }
        await api.race(second.id) { $0.integrationCredentialsId = "33333333-3333-4333-8333-333333333333" }
        let change = ConfigChange(fields: [.integrationCredentialsId: .set(newCredentials)])
        let items = [makeItem(first, change), makeItem(second, change)]
        let (result, _) = try await run(executor(api), items, api)
        let byId = Dictionary(uniqueKeysWithValues: result.outcomes.map { ($0.id, $0) })
        #expect(byId[first.id]?.status == .applied)
        #expect(byId[second.id]?.status == .conflict)
        let final = await api.configs
        #expect(final[first.id]?.name == "edited meanwhile")
        #expect(final[first.id]?.integrationCredentialsId == newCredentials)
        #expect(final[second.id]?.integrationCredentialsId == "33333333-3333-4333-8333-333333333333")
    }

    @Test("a plain 400 on a config that moved is handled as a conflict; on one that did not, it fails")
    func plain400() async throws {
        let first = sampleConfig(1)
        let second = sampleConfig(2)
        let api = FakeConfigAPI([first, second])
        await api.reportMismatchAsPlain400()
        await api.race(first.id) { $0.name = "edited meanwhile" }
        await api.scriptPut(second.id, [.before(.http(status: 400, message: "configData is invalid"))])
        let change = ConfigChange(fields: [.integrationCredentialsId: .set(newCredentials)])
        let (result, _) = try await run(executor(api), [makeItem(first, change), makeItem(second, change)], api)
        let byId = Dictionary(uniqueKeysWithValues: result.outcomes.map { ($0.id, $0) })
        #expect(byId[first.id]?.status == .applied)
        #expect(await api.configs[first.id]?.name == "edited meanwhile")
        #expect(byId[second.id]?.status == .failed)
        #expect(byId[second.id]?.message == "HTTP 400: configData is invalid")
        #expect(byId[second.id]?.httpStatus == 400)
    }

    @Test("enable after update, and enable-only items")
    func enable() async throws {
        let first = sampleConfig(1, enabled: false)
        let second = sampleConfig(2, enabled: false)
        let api = FakeConfigAPI([first, second])
        var change = ConfigChange(fields: [.name: .set("x")])
        change.enable = true
        let items = [makeItem(first, change), makeItem(second, ConfigChange(enable: true))]
        let (result, _) = try await run(executor(api), items, api)
        let byId = Dictionary(uniqueKeysWithValues: result.outcomes.map { ($0.id, $0) })
        #expect(byId[first.id]?.status == .applied)
        #expect(byId[first.id]?.versionAfter == 5)
        #expect(byId[second.id]?.status == .enabled)
        #expect(await api.configs.values.allSatisfy { $0.enabled == true })
    }

    @Test("--max-failures stops dispatching and the run reports why")
    func maxFailures() async throws {
        let configs = (1...10).map { sampleConfig($0) }
        let api = FakeConfigAPI(configs)
        for config in configs { await api.scriptPut(config.id, [.before(.http(status: 400, message: "bad"))]) }
        let items = configs.map { makeItem($0, ConfigChange(fields: [.name: .set("x")])) }
        let (result, _) = try await run(
            executor(api, ExecutionOptions(concurrency: 1, maxFailures: 2)), items, api)
        #expect(result.stopReason == .maxFailures)
        #expect(result.outcomes.count == 2)
    }

    @Test("credentials refused mid-run stop dispatching: the rest stay not attempted, none failed")
    func credentialsRejected() async throws {
        let configs = (1...10).map { sampleConfig($0) }
        let api = FakeConfigAPI(configs)
        // From the fourth config on, every write meets a token that one refresh cannot cure.
        for config in configs.dropFirst(3) {
            await api.scriptPut(config.id, [.before(.authentication(status: 403, message: "token expired"))])
        }
        let items = configs.map { makeItem($0, ConfigChange(fields: [.name: .set("x")])) }
        let (result, journal) = try await run(executor(api, ExecutionOptions(concurrency: 1)), items, api)
        #expect(result.stopReason == .credentialsRejected)
        #expect(result.outcomes.map(\.id) == configs.prefix(3).map(\.id))
        #expect(result.outcomes.allSatisfy { $0.status == .applied })
        #expect(journal.count == 3)
        #expect(await api.writes.count == 3)
    }

    @Test("a failing canary stops the run before the rest")
    func canary() async throws {
        let configs = (1...6).map { sampleConfig($0) }
        let api = FakeConfigAPI(configs)
        await api.scriptPut(configs[1].id, [.before(.http(status: 400, message: "bad"))])
        let items = configs.map { makeItem($0, ConfigChange(fields: [.name: .set("x")])) }
        let (result, _) = try await run(executor(api, ExecutionOptions(canary: 2)), items, api)
        #expect(result.stopReason == .canaryFailed)
        #expect(result.outcomes.count == 2)
        #expect(await api.writes.count == 1)
    }

    @Test("waves run in order: every item of wave 0 finishes before wave 1 starts")
    func waves() async throws {
        let configs = (1...12).map { sampleConfig($0) }
        let api = FakeConfigAPI(configs)
        let items = configs.enumerated().map { index, config in
            makeItem(config, ConfigChange(fields: [.name: .set("x")]), wave: index < 6 ? 0 : 1)
        }
        let (_, journal) = try await run(executor(api, ExecutionOptions(concurrency: 4)), items, api)
        let waveOf = Dictionary(uniqueKeysWithValues: items.map { ($0.id, $0.wave) })
        let order = journal.map { waveOf[$0.id] ?? -1 }
        #expect(order == order.sorted())
    }

    @Test("a resumed run reconciles what an earlier run wrote and sends only the rest")
    func resume() async throws {
        let configs = (1...4).map { sampleConfig($0) }
        let change = ConfigChange(fields: [.name: .set("done")])
        let items = configs.map { makeItem($0, change) }
        var state = configs
        state[0] = change.applied(to: configs[0])
        state[0].version += 1
        let api = FakeConfigAPI(state)
        let (result, _) = try await run(executor(api), items, api, resumed: true)
        let byId = Dictionary(uniqueKeysWithValues: result.outcomes.map { ($0.id, $0) })
        #expect(byId[configs[0].id]?.reconciled == true)
        #expect(byId[configs[0].id]?.status == .applied)
        #expect(await api.writes[configs[0].id] == nil)
        #expect(await api.writes.count == 3)
    }

    @Test("a stop requested before the run sends nothing")
    func stopped() async throws {
        let configs = (1...3).map { sampleConfig($0) }
        let api = FakeConfigAPI(configs)
        let stop = StopSignal()
        stop.request(.interrupted)
        let items = configs.map { makeItem($0, ConfigChange(fields: [.name: .set("x")])) }
        let (result, _) = try await run(executor(api), items, api, stop: stop)
        #expect(result.stopReason == .interrupted)
        #expect(result.outcomes.isEmpty)
        #expect(await api.writes.isEmpty)
    }
}
