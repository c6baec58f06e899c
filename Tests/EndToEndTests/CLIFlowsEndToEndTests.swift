import Foundation
import Sandbox
import TestSupport
import Testing

extension EndToEnd {
    /// The flows a user strings together (failed list, reviewed plan, canary, failure limit, conflict
    /// policy, waves, verification), with the real binary against the sandbox.
    @Suite("CLI flows, end to end")
    struct CLIFlowsEndToEndTests {
        static let newCredentials = "99999999-9999-4999-8999-999999999999"
        static let oldCredentials = "77777777-7777-4777-8777-777777777777"
        static let otherCredentials = "88888888-8888-4888-8888-888888888888"
        static let putRoute = "PUT /organizations/{orgId}/integrationconfigs/{id}"
        static let createRoute = "POST /organizations/{orgId}/integrationconfigs"

        /// Inserts `count` configs the API refuses to update (ids `0f0f0f0f-…-00000000000N`).
        func insertUnwritable(_ count: Int, into sandbox: SandboxServer) async -> [SandboxConfig] {
            var configs: [SandboxConfig] = []
            for index in 1...count {
                let config = RunFiles.unwritableConfig(
                    "0f0f0f0f-0000-4000-8000-00000000000\(index)", credentials: Self.oldCredentials)
                await sandbox.insert(config)
                configs.append(config)
            }
            return configs
        }

        /// Runs `bulk-update arguments… --yes --quiet --run-dir RUN` against the sandbox.
        func apply(_ arguments: [String], runDir: URL, _ sandbox: SandboxServer) async throws -> CLIResult {
            try await CLIRunner.run(
                ["apply"] + arguments + ["--yes", "--quiet", "--run-dir", runDir.path],
                environment: sandbox.cliEnvironment)
        }

        @Test("a failed item lands in failed.csv; once its cause is fixed, applying failed.csv applies it")
        func failedListRetry() async throws {
            try await withSandbox(SandboxOptions(seedConfigs: 12, seed: 31)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                let broken = try #require(await insertUnwritable(1, into: sandbox).first)
                let ids = await sandbox.configs().map(\.id).sorted()
                let changes = try RunFiles.credentialChanges(ids, to: Self.newCredentials, in: dir)
                let firstRun = dir.appendingPathComponent("run1")

                let first = try await apply([changes.path], runDir: firstRun, sandbox)
                #expect(first.status == 1, "\(first.stdout)\n\(first.stderr)")
                let statuses = try RunFiles.statuses(firstRun)
                #expect(statuses.count == ids.count)
                #expect(statuses[broken.id] == "failed")
                #expect(ids.filter { $0 != broken.id }.allSatisfy { statuses[$0] == "applied" })
                let afterFirst = await sandbox.stats()
                #expect(afterFirst.writesById[broken.id] == nil)
                #expect(afterFirst.writesById.count == ids.count - 1)
                #expect(afterFirst.writesById.values.allSatisfy { $0 == 1 })
                let stillBroken = try #require(await sandbox.config(id: broken.id))
                #expect(stillBroken.version == broken.version)
                #expect(stillBroken.integrationCredentialsId == Self.oldCredentials)
                let failedRows = try RunFiles.failedRows(firstRun)
                #expect(failedRows.count == 1)
                #expect(failedRows.first?.contains(broken.id) == true, "\(failedRows)")
                #expect(first.stdout.contains("bulk-update apply \(firstRun.path)/failed.csv"), "\(first.stdout)")

                // The cause goes away: someone repairs the entity type (version 3 → 4).
                await sandbox.mutate(id: broken.id) { $0.entityType = "BillRun" }
                let secondRun = dir.appendingPathComponent("run2")
                let second = try await apply(
                    [firstRun.appendingPathComponent("failed.csv").path], runDir: secondRun, sandbox)
                #expect(second.status == 0, "\(second.stdout)\n\(second.stderr)")
                #expect(try RunFiles.statuses(secondRun) == [broken.id: "applied"])
                #expect(try RunFiles.failedRows(secondRun).isEmpty)
                let final = await sandbox.configs()
                #expect(final.allSatisfy { $0.integrationCredentialsId == Self.newCredentials })
                let repaired = try #require(final.first { $0.id == broken.id })
                #expect(repaired.entityType == "BillRun")
                #expect(repaired.version == broken.version + 2)
                let stats = await sandbox.stats()
                #expect(stats.writesById.count == ids.count)
                #expect(stats.writesById.values.allSatisfy { $0 == 1 })
            }
        }

        @Test("a config deleted between plan and apply --plan is reported, never recreated; the rest apply (exit 1)")
        func deletedAfterPlanning() async throws {
            try await withSandbox(SandboxOptions(seedConfigs: 10, seed: 32)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                let configs = await sandbox.configs().sorted { $0.id < $1.id }
                let changes = try RunFiles.credentialChanges(configs.map(\.id), to: Self.newCredentials, in: dir)
                let planFile = dir.appendingPathComponent("plan.json")
                let plan = try await CLIRunner.run(
                    ["plan", changes.path, "--out", planFile.path], environment: sandbox.cliEnvironment)
                #expect(plan.status == 0, "\(plan.stderr)")
                let gone = configs[3]
                #expect(try await OtherAPIUser(sandbox: sandbox).delete(id: gone.id) == 200)
                let runDir = dir.appendingPathComponent("run")

                let result = try await apply(["--plan", planFile.path], runDir: runDir, sandbox)
                #expect(result.status == 1, "\(result.stdout)\n\(result.stderr)")
                let report = try RunFiles.report(runDir)
                let statuses = try RunFiles.statuses(of: report)
                #expect(statuses.count == configs.count)
                #expect(statuses[gone.id] == "failed")
                #expect(configs.filter { $0.id != gone.id }.allSatisfy { statuses[$0.id] == "applied" })
                let rows = try #require(report["rows"] as? [[String: Any]])
                let goneRow = try #require(rows.first { $0["id"] as? String == gone.id })
                #expect((goneRow["message"] as? String)?.contains("no longer exists") == true, "\(goneRow)")
                let final = Dictionary(uniqueKeysWithValues: await sandbox.configs().map { ($0.id, $0) })
                #expect(final[gone.id] == nil)
                #expect(final.count == configs.count - 1)
                for config in configs where config.id != gone.id {
                    #expect(final[config.id]?.integrationCredentialsId == Self.newCredentials)
                    #expect(final[config.id]?.version == config.version + 1)
                }
                let stats = await sandbox.stats()
                // The one write to the deleted config is the other user's DELETE.
                #expect(stats.writesById[gone.id] == 1)
                #expect(stats.writesById.count == configs.count)
                #expect(stats.writesById.values.allSatisfy { $0 == 1 })
                #expect(stats.byRoute[Self.putRoute] == configs.count - 1)
                #expect(stats.byRoute[Self.createRoute] == nil)
            }
        }

        @Test("--canary 2 with a failing canary stops before the rest: exit 3, the rest not attempted")
        func failingCanary() async throws {
            try await withSandbox(SandboxOptions(seedConfigs: 10, seed: 33)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                let broken = try #require(await insertUnwritable(1, into: sandbox).first)
                let before = Dictionary(uniqueKeysWithValues: await sandbox.configs().map { ($0.id, $0) })
                let others = before.keys.filter { $0 != broken.id }.sorted()
                let ids = [broken.id] + others
                let changes = try RunFiles.credentialChanges(ids, to: Self.newCredentials, in: dir)
                let runDir = dir.appendingPathComponent("run")

                let result = try await apply([changes.path, "--canary", "2"], runDir: runDir, sandbox)
                #expect(result.status == 3, "\(result.stdout)\n\(result.stderr)")
                #expect(result.stdout.contains("Stopped early (canary-failed)"), "\(result.stdout)")
                let statuses = try RunFiles.statuses(runDir)
                #expect(statuses.count == ids.count)
                #expect(statuses[broken.id] == "failed")
                #expect(statuses[ids[1]] == "applied")
                #expect(ids.dropFirst(2).allSatisfy { statuses[$0] == "not-attempted" })
                let stats = await sandbox.stats()
                #expect(stats.writesById == [ids[1]: 1])
                let after = Dictionary(uniqueKeysWithValues: await sandbox.configs().map { ($0.id, $0) })
                #expect(after[ids[1]]?.integrationCredentialsId == Self.newCredentials)
                for id in ids where id != ids[1] { #expect(after[id] == before[id]) }
            }
        }

        @Test("--canary 3 with passing canaries continues through the whole plan (exit 0)")
        func passingCanary() async throws {
            try await withSandbox(SandboxOptions(seedConfigs: 15, seed: 34)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                let configs = await sandbox.configs().sorted { $0.id < $1.id }
                let changes = try RunFiles.credentialChanges(configs.map(\.id), to: Self.newCredentials, in: dir)
                let runDir = dir.appendingPathComponent("run")

                let result = try await apply([changes.path, "--canary", "3"], runDir: runDir, sandbox)
                #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
                let statuses = try RunFiles.statuses(runDir)
                #expect(statuses.count == configs.count)
                #expect(statuses.values.allSatisfy { $0 == "applied" })
                let final = await sandbox.configs()
                let before = Dictionary(uniqueKeysWithValues: configs.map { ($0.id, $0.version) })
                #expect(final.allSatisfy { $0.integrationCredentialsId == Self.newCredentials })
                #expect(final.allSatisfy { $0.version == (before[$0.id] ?? -1) + 1 })
                let stats = await sandbox.stats()
                #expect(stats.writesById.count == configs.count)
                #expect(stats.writesById.values.allSatisfy { $0 == 1 })
            }
        }

        @Test("--max-failures 2 stops dispatching at the second failure: exit 3, the rest not attempted")
        func maxFailures() async throws {
            try await withSandbox(SandboxOptions(seedConfigs: 8, seed: 35)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                let broken = await insertUnwritable(3, into: sandbox).map(\.id)
                let brokenIds = Set(broken)
                let before = Dictionary(uniqueKeysWithValues: await sandbox.configs().map { ($0.id, $0) })
                let good = before.keys.filter { !brokenIds.contains($0) }.sorted()
                // broken, good, broken, broken, good…: one at a time, the second failure is the third item.
                let ids = [broken[0], good[0], broken[1], broken[2]] + good.dropFirst()
                let changes = try RunFiles.credentialChanges(ids, to: Self.newCredentials, in: dir)
                let runDir = dir.appendingPathComponent("run")

                let result = try await apply(
                    [changes.path, "--max-failures", "2", "--concurrency", "1"], runDir: runDir, sandbox)
                #expect(result.status == 3, "\(result.stdout)\n\(result.stderr)")
                #expect(result.stdout.contains("Stopped early (max-failures)"), "\(result.stdout)")
                #expect(result.stdout.contains("bulk-update resume \(runDir.path)"), "\(result.stdout)")
                let statuses = try RunFiles.statuses(runDir)
                #expect(statuses.count == ids.count)
                #expect(statuses[broken[0]] == "failed")
                #expect(statuses[good[0]] == "applied")
                #expect(statuses[broken[1]] == "failed")
                #expect(ids.dropFirst(3).allSatisfy { statuses[$0] == "not-attempted" })
                let stats = await sandbox.stats()
                #expect(stats.writesById == [good[0]: 1])
                let after = Dictionary(uniqueKeysWithValues: await sandbox.configs().map { ($0.id, $0) })
                for id in ids where id != good[0] { #expect(after[id] == before[id]) }
            }
        }

        @Test("--on-conflict skip: a config someone else edited after planning is a conflict and left untouched")
        func onConflictSkip() async throws {
            try await withSandbox(SandboxOptions(seedConfigs: 10, seed: 36)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                let configs = await sandbox.configs().sorted { $0.id < $1.id }
                let changes = try RunFiles.credentialChanges(configs.map(\.id), to: Self.newCredentials, in: dir)
                let planFile = dir.appendingPathComponent("plan.json")
                let plan = try await CLIRunner.run(
                    ["plan", changes.path, "--out", planFile.path], environment: sandbox.cliEnvironment)
                #expect(plan.status == 0, "\(plan.stderr)")
                // A colleague renames one config: a field the plan does not touch, so by default the
                // change would be re-applied on top; with skip it is only reported.
                let edited = configs[4]
                let colleague = try #require(
                    await sandbox.mutate(id: edited.id) { $0.name = "renamed by a colleague" })
                let runDir = dir.appendingPathComponent("run")

                let result = try await apply(
                    ["--plan", planFile.path, "--on-conflict", "skip"], runDir: runDir, sandbox)
                #expect(result.status == 1, "\(result.stdout)\n\(result.stderr)")
                let report = try RunFiles.report(runDir)
                let statuses = try RunFiles.statuses(of: report)
                #expect(statuses.count == configs.count)
                #expect(statuses[edited.id] == "conflict")
                #expect(configs.filter { $0.id != edited.id }.allSatisfy { statuses[$0.id] == "applied" })
                let rows = try #require(report["rows"] as? [[String: Any]])
                let editedRow = try #require(rows.first { $0["id"] as? String == edited.id })
                #expect((editedRow["message"] as? String)?.contains("--on-conflict skip") == true, "\(editedRow)")
                let final = Dictionary(uniqueKeysWithValues: await sandbox.configs().map { ($0.id, $0) })
                #expect(final[edited.id] == colleague)
                #expect(final[edited.id]?.integrationCredentialsId == edited.integrationCredentialsId)
                for config in configs where config.id != edited.id {
                    #expect(final[config.id]?.integrationCredentialsId == Self.newCredentials)
                    #expect(final[config.id]?.version == config.version + 1)
                }
                let stats = await sandbox.stats()
                #expect(stats.writesById[edited.id] == nil)
                #expect(stats.writesById.count == configs.count - 1)
                #expect(stats.writesById.values.allSatisfy { $0 == 1 })
            }
        }

        @Test("waves: every write of wave 0 commits before any write of wave 1, whatever the row order")
        func wavesInOrder() async throws {
            // Widely spread latencies and no rate limit: without the wave barrier, all 16 items would be
            // in flight at once and their commits would interleave.
            var faults = SandboxFaults()
            faults.rateLimit = 0
            faults.latencyMs = 100
            faults.jitterMs = 90
            try await withSandbox(SandboxOptions(seedConfigs: 16, seed: 37, faults: faults)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                let configs = await sandbox.configs().sorted { $0.id < $1.id }
                // Rows alternate between the waves, so only the executor's wave order keeps them apart.
                let waves = configs.indices.map { $0 % 2 }
                let wave = Dictionary(uniqueKeysWithValues: zip(configs.map(\.id), waves))
                let changes = try RunFiles.credentialChanges(
                    configs.map(\.id), to: Self.newCredentials, waves: waves, in: dir)
                let runDir = dir.appendingPathComponent("run")

                let result = try await apply(
                    [changes.path, "--concurrency", "16", "--rate", "400"], runDir: runDir, sandbox)
                #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
                let statuses = try RunFiles.statuses(runDir)
                #expect(statuses.count == configs.count)
                #expect(statuses.values.allSatisfy { $0 == "applied" })
                let stats = await sandbox.stats()
                #expect(stats.writesById.count == configs.count)
                #expect(stats.writesById.values.allSatisfy { $0 == 1 })
                // The server stamps each commit (ISO 8601 with milliseconds, so text order is time order).
                let final = await sandbox.configs()
                #expect(final.allSatisfy { $0.integrationCredentialsId == Self.newCredentials })
                let stamps0 = final.filter { wave[$0.id] == 0 }.map(\.dtLastModified)
                let stamps1 = final.filter { wave[$0.id] == 1 }.map(\.dtLastModified)
                let lastOfWave0 = try #require(stamps0.max())
                let firstOfWave1 = try #require(stamps1.min())
                #expect(lastOfWave0 <= firstOfWave1)
                // The journal agrees: wave 0's outcomes, then wave 1's.
                let journalWaves = try RunFiles.journalOutcomeIds(runDir).map { wave[$0] ?? -1 }
                #expect(journalWaves == Array(repeating: 0, count: 8) + Array(repeating: 1, count: 8))
            }
        }

        @Test("a config changed by someone else right after its write is named by the verification sweep (exit 1)")
        func verificationDrift() async throws {
            var faults = SandboxFaults()
            faults.latencyMs = 40
            try await withSandbox(SandboxOptions(seedConfigs: 30, seed: 38, faults: faults)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                let configs = await sandbox.configs().sorted { $0.id < $1.id }
                let changes = try RunFiles.credentialChanges(configs.map(\.id), to: Self.newCredentials, in: dir)
                let runDir = dir.appendingPathComponent("run")
                let first = try #require(configs.first)
                let run = try CLIProcess.start(
                    [
                        "apply", changes.path, "--yes", "--quiet", "--concurrency", "1", "--run-dir", runDir.path,
                    ],
                    environment: sandbox.cliEnvironment)
                // One item at a time: once the first config is written, the run has 29 writes to go.
                try await Poll.until("the first write") { await sandbox.stats().writesById[first.id] == 1 }
                await sandbox.mutate(id: first.id) { $0.integrationCredentialsId = Self.otherCredentials }
                // The edit landed before the last write, so before the verification sweep.
                try #require(await sandbox.stats().totalWrites < configs.count)
                let result = await run.wait()

                #expect(result.status == 1, "\(result.stdout)\n\(result.stderr)")
                let statuses = try RunFiles.statuses(runDir)
                #expect(statuses.count == configs.count)
                #expect(statuses.values.allSatisfy { $0 == "applied" })
                let verification = try #require(try RunFiles.verification(runDir))
                #expect(verification.count == 1, "\(verification)")
                #expect(verification.first?.contains("config \(first.id) no longer holds") == true, "\(verification)")
                #expect(result.stdout.contains("verification: config \(first.id)"), "\(result.stdout)")
                let markdown = try String(contentsOf: runDir.appendingPathComponent("report.md"), encoding: .utf8)
                let section = try #require(markdown.range(of: "## Verification\n\n"))
                #expect(markdown[section.upperBound...].hasPrefix("- config \(first.id) no longer holds"))
                let final = Dictionary(uniqueKeysWithValues: await sandbox.configs().map { ($0.id, $0) })
                #expect(final[first.id]?.integrationCredentialsId == Self.otherCredentials)
                #expect(final[first.id]?.version == first.version + 2)
                for config in configs.dropFirst() {
                    #expect(final[config.id]?.integrationCredentialsId == Self.newCredentials)
                }
                let stats = await sandbox.stats()
                #expect(stats.writesById.count == configs.count)
                #expect(stats.writesById.values.allSatisfy { $0 == 1 })
            }
        }
    }
}
