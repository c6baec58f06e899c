import Foundation
import Sandbox
import TestSupport
import Testing

extension EndToEnd {
    /// Conflicts, faults and token expiry, with the real binary against the sandbox.
    @Suite("faults and conflicts, end to end")
    struct FaultsEndToEndTests {
        static let newCredentials = "99999999-9999-4999-8999-999999999999"
        static let otherCredentials = "88888888-8888-4888-8888-888888888888"
        static let putRoute = "PUT /organizations/{orgId}/integrationconfigs/{id}"

        /// Writes an id-row change list that sets new credentials on the first `count` configs.
        func idChanges(_ configs: [SandboxConfig], in dir: URL) throws -> URL {
            let rows = configs.map { "\($0.id),\(Self.newCredentials)" }.joined(separator: "\n")
            return try TestSupport.write("id,integrationCredentialsId\n\(rows)\n", to: "changes.csv", in: dir)
        }

        @Test(
            "another user's edit racing our write: unrelated field survives, same field is a conflict",
            arguments: [400, 409])
        func racingEdit(status: Int) async throws {
            var faults = SandboxFaults()
            faults.latencyMs = 60
            faults.versionMismatchStatus = status
            try await withSandbox(SandboxOptions(seedConfigs: 12, seed: 11, faults: faults)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                let configs = await sandbox.configs().sorted { $0.id < $1.id }
                let changes = try idChanges(configs, in: dir)
                let run = try CLIProcess.start(
                    [
                        "apply", changes.path, "--yes", "--concurrency", "1", "--run-dir",
                        dir.appendingPathComponent("run").path,
                    ],
                    environment: sandbox.cliEnvironment)
                // Wait for the first write, then edit two configs the run has not reached yet.
                let deadline = ContinuousClock.now + .seconds(60)
                while await (sandbox.stats().byRoute[Self.putRoute] ?? 0) == 0, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(5))
                }
                try #require(await (sandbox.stats().byRoute[Self.putRoute] ?? 0) > 0, "the run never wrote")
                let unrelated = try #require(configs.last)
                let same = configs[configs.count - 2]
                await sandbox.mutate(id: unrelated.id) { $0.name = "renamed by a colleague" }
                await sandbox.mutate(id: same.id) { $0.integrationCredentialsId = Self.otherCredentials }
                let result = await run.wait()
                #expect(result.status == 1, "\(result.stderr)")
                let final = Dictionary(uniqueKeysWithValues: await sandbox.configs().map { ($0.id, $0) })
                #expect(final[unrelated.id]?.name == "renamed by a colleague")
                #expect(final[unrelated.id]?.integrationCredentialsId == Self.newCredentials)
                #expect(final[same.id]?.integrationCredentialsId == Self.otherCredentials)
                let others = configs.dropLast(2).map(\.id)
                #expect(others.allSatisfy { final[$0]?.integrationCredentialsId == Self.newCredentials })
                let stats = await sandbox.stats()
                #expect(stats.byStatus[String(status)] ?? 0 >= 1)
                #expect(stats.writesById[same.id] == nil)
                let statuses = try RunFiles.statuses(dir.appendingPathComponent("run"))
                #expect(statuses[same.id] == "conflict")
                #expect(statuses[unrelated.id] == "applied")
                #expect(others.allSatisfy { statuses[$0] == "applied" })
            }
        }

        /// Applies new credentials to every config of the sandbox at `--rate 40`.
        func rotateAll(_ sandbox: SandboxServer) async throws -> ([SandboxConfig], CLIResult) {
            let dir = try TestSupport.temporaryDirectory()
            let configs = await sandbox.configs()
            let changes = try idChanges(configs, in: dir)
            let result = try await CLIRunner.run(
                ["apply", changes.path, "--yes", "--rate", "40", "--run-dir", dir.appendingPathComponent("run").path],
                environment: sandbox.cliEnvironment)
            return (configs, result)
        }

        @Test("5xx, lost responses and a tight rate limit: exact end state, every config written exactly once")
        func faultStorm() async throws {
            var faults = SandboxFaults()
            faults.errorRate = 0.10
            faults.lostResponseRate = 0.05
            faults.rateLimit = 30
            try await withSandbox(SandboxOptions(seedConfigs: 150, seed: 5, faults: faults)) { sandbox in
                let (configs, result) = try await rotateAll(sandbox)
                #expect(result.status == 0, "\(result.stderr)")
                let final = await sandbox.configs()
                #expect(final.allSatisfy { $0.integrationCredentialsId == Self.newCredentials })
                let before = Dictionary(uniqueKeysWithValues: configs.map { ($0.id, $0.version) })
                #expect(final.allSatisfy { $0.version == (before[$0.id] ?? -1) + 1 })
                let stats = await sandbox.stats()
                #expect(stats.writesById.count == configs.count)
                #expect(stats.writesById.values.allSatisfy { $0 == 1 })
                #expect(stats.lostResponses > 0)
                #expect(stats.injectedErrors > 0)
            }
        }

        @Test("a 2-second token lifetime in a longer run: tokens are refreshed before they expire, every config once")
        func tokenExpiry() async throws {
            var faults = SandboxFaults()
            faults.tokenLifetimeSeconds = 2
            faults.latencyMs = 20
            try await withSandbox(SandboxOptions(seedConfigs: 200, seed: 9, faults: faults)) { sandbox in
                let (configs, result) = try await rotateAll(sandbox)
                #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
                let stats = await sandbox.stats()
                #expect(stats.tokenRequests >= 3)
                #expect(stats.writesById.count == configs.count)
                #expect(stats.writesById.values.allSatisfy { $0 == 1 })
                #expect(await sandbox.configs().allSatisfy { $0.integrationCredentialsId == Self.newCredentials })
            }
        }

        @Test(
            "tokens revoked mid-run: each refused request gets one token refresh and is sent again, every config once")
        func tokenRevoked() async throws {
            var faults = SandboxFaults()
            faults.latencyMs = 20
            try await withSandbox(SandboxOptions(seedConfigs: 120, seed: 10, faults: faults)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                let configs = await sandbox.configs()
                let changes = try idChanges(configs, in: dir)
                let run = try CLIProcess.start(
                    [
                        "apply", changes.path, "--yes", "--rate", "40", "--run-dir",
                        dir.appendingPathComponent("run").path,
                    ],
                    environment: sandbox.cliEnvironment)
                let deadline = ContinuousClock.now + .seconds(60)
                while await sandbox.stats().totalWrites < 10, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(5))
                }
                try #require(await sandbox.stats().totalWrites >= 10, "the run never wrote")
                let tokensBefore = await sandbox.stats().tokenRequests
                await sandbox.revokeTokens()
                let result = await run.wait()
                #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
                let stats = await sandbox.stats()
                // The refused requests (403, m3ter's status for a bad token) and the refresh they caused.
                #expect((stats.byStatus["403"] ?? 0) >= 1)
                #expect(stats.tokenRequests > tokensBefore)
                #expect(stats.writesById.count == configs.count)
                #expect(stats.writesById.values.allSatisfy { $0 == 1 })
                let statuses = try RunFiles.statuses(dir.appendingPathComponent("run"))
                #expect(configs.allSatisfy { statuses[$0.id] == "applied" })
            }
        }
    }
}
