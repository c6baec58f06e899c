import Foundation
import Sandbox
import TestSupport
import Testing

extension EndToEnd {
    /// The real `bulk-update` binary over real HTTP against the sandbox on loopback.
    @Suite("apply, end to end")
    struct ApplyEndToEndTests {
        static let newCredentials = "99999999-9999-4999-8999-999999999999"

        /// The most used credentials id of the sandbox's seed data, and the configs using it.
        func credentialGroup(_ sandbox: SandboxServer) async -> (String, [SandboxConfig]) {
            let configs = await sandbox.configs()
            let groups = Dictionary(grouping: configs.filter { $0.integrationCredentialsId != nil }) {
                $0.integrationCredentialsId ?? ""
            }
            let largest = groups.max { $0.value.count < $1.value.count }
            return (largest?.key ?? "", largest?.value ?? [])
        }

        @Test("a selector rotation changes only the matched configs, each exactly once, everything else intact")
        func rotation() async throws {
            try await withSandbox(SandboxOptions(seedConfigs: 300, seed: 7)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                let before = Dictionary(uniqueKeysWithValues: await sandbox.configs().map { ($0.id, $0) })
                let (group, matched) = await credentialGroup(sandbox)
                #expect(matched.count > 10)
                let changes = try TestSupport.write(
                    "match.integrationCredentialsId,integrationCredentialsId\n\(group),\(Self.newCredentials)\n",
                    to: "rotate.csv", in: dir)
                let result = try await CLIRunner.run(
                    ["apply", changes.path, "--yes", "--run-dir", dir.appendingPathComponent("run").path],
                    environment: sandbox.cliEnvironment)
                #expect(result.status == 0, "\(result.stderr)")
                let after = Dictionary(uniqueKeysWithValues: await sandbox.configs().map { ($0.id, $0) })
                let matchedIds = Set(matched.map(\.id))
                for (id, old) in before {
                    let new = try #require(after[id])
                    if matchedIds.contains(id) {
                        #expect(new.integrationCredentialsId == Self.newCredentials)
                        #expect(new.version == old.version + 1)
                        var expected = old
                        expected.integrationCredentialsId = Self.newCredentials
                        expected.version = new.version
                        expected.dtLastModified = new.dtLastModified
                        expected.lastModifiedBy = new.lastModifiedBy
                        #expect(new == expected)
                    } else {
                        #expect(new == old)
                    }
                }
                let stats = await sandbox.stats()
                #expect(stats.writesById.count == matched.count)
                #expect(stats.writesById.values.allSatisfy { $0 == 1 })
                // Running the same change list again changes nothing.
                let again = try await CLIRunner.run(
                    ["apply", changes.path, "--yes", "--run-dir", dir.appendingPathComponent("run2").path],
                    environment: sandbox.cliEnvironment)
                #expect(again.status == 0, "\(again.stderr)")
                #expect(await sandbox.stats().totalWrites == matched.count)
            }
        }

        @Test("undo.csv restores the original state; a config changed since is a conflict, not overwritten")
        func undo() async throws {
            try await withSandbox(SandboxOptions(seedConfigs: 80, seed: 13)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                let original = Dictionary(uniqueKeysWithValues: await sandbox.configs().map { ($0.id, $0) })
                let changes = try TestSupport.write(
                    "match.destination,name,integrationCredentialsId,configData.mapping.accountCode\n"
                        + "Xero,\"Renamed \"\"Xero\"\", by bulk-update\",\(Self.newCredentials),400\n",
                    to: "xero.csv", in: dir)
                let first = try await CLIRunner.run(
                    ["apply", changes.path, "--yes", "--run-dir", dir.appendingPathComponent("run").path],
                    environment: sandbox.cliEnvironment)
                #expect(first.status == 0, "\(first.stderr)")
                let xero = original.values.filter { $0.destination == "Xero" }.map(\.id).sorted()
                #expect(xero.count > 5)
                let touched = try #require(xero.first)
                await sandbox.mutate(id: touched) { $0.name = "edited by a colleague after the run" }
                let undo = dir.appendingPathComponent("run/undo.csv")
                let second = try await CLIRunner.run(
                    ["apply", undo.path, "--yes", "--run-dir", dir.appendingPathComponent("undo").path],
                    environment: sandbox.cliEnvironment)
                #expect(second.status == 1, "\(second.stdout)\n\(second.stderr)")
                #expect(second.stdout.contains("conflict 1"))
                let now = Dictionary(uniqueKeysWithValues: await sandbox.configs().map { ($0.id, $0) })
                #expect(now[touched]?.name == "edited by a colleague after the run")
                #expect(now[touched]?.integrationCredentialsId == Self.newCredentials)
                for id in xero.dropFirst() {
                    let restored = try #require(now[id])
                    let before = try #require(original[id])
                    #expect(restored.name == before.name)
                    #expect(restored.integrationCredentialsId == before.integrationCredentialsId)
                    #expect(restored.configData == before.configData)
                    #expect(restored.version == before.version + 2)
                }
            }
        }

        @Test("online plan reads the org and writes nothing")
        func planWritesNothing() async throws {
            try await withSandbox(SandboxOptions(seedConfigs: 120, seed: 3)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                let (group, matched) = await credentialGroup(sandbox)
                let changes = try TestSupport.write(
                    "match.integrationCredentialsId,integrationCredentialsId\n\(group),\(Self.newCredentials)\n",
                    to: "rotate.csv", in: dir)
                let planFile = dir.appendingPathComponent("plan.json")
                let result = try await CLIRunner.run(
                    ["plan", changes.path, "--out", planFile.path], environment: sandbox.cliEnvironment)
                #expect(result.status == 0, "\(result.stderr)")
                #expect(result.stdout.contains("\(matched.count)"))
                #expect(FileManager.default.fileExists(atPath: planFile.path))
                let stats = await sandbox.stats()
                #expect(stats.totalWrites == 0)
                #expect(
                    (stats.byRoute.filter { $0.key.contains("PUT") || $0.key.contains("enable") }.values.reduce(0, +))
                        == 0)
            }
        }

        @Test("bad input makes zero requests and names file, line and column")
        func badInput() async throws {
            try await withSandbox(SandboxOptions(seedConfigs: 10, seed: 1)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                let changes = try TestSupport.write(
                    "id,destinaton\nnot-a-uuid,Stripe\n", to: "bad.csv", in: dir)
                for arguments in [
                    ["validate", changes.path], ["plan", changes.path], ["apply", changes.path, "--yes"],
                ] {
                    let result = try await CLIRunner.run(arguments, environment: sandbox.cliEnvironment, directory: dir)
                    #expect(result.status == 2, "\(arguments): \(result.stderr)")
                    #expect(result.stderr.contains("bad.csv:1:2: error:"), "\(result.stderr)")
                    #expect(result.stderr.contains("bad.csv:2:1: error:"), "\(result.stderr)")
                }
                #expect(await sandbox.stats().totalRequests == 0)
            }
        }

        @Test("without --yes and without a terminal, apply refuses and sends nothing")
        func refusesWithoutConfirmation() async throws {
            try await withSandbox(SandboxOptions(seedConfigs: 20, seed: 2)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                let (group, _) = await credentialGroup(sandbox)
                let changes = try TestSupport.write(
                    "match.integrationCredentialsId,integrationCredentialsId\n\(group),\(Self.newCredentials)\n",
                    to: "rotate.csv", in: dir)
                let result = try await CLIRunner.run(["apply", changes.path], environment: sandbox.cliEnvironment)
                #expect(result.status == 2)
                #expect(result.stderr.contains("--yes"))
                #expect(await sandbox.stats().totalWrites == 0)
            }
        }

        @Test("refused credentials exit 4 before any write")
        func badCredentials() async throws {
            try await withSandbox(SandboxOptions(seedConfigs: 5, seed: 2)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                let changes = try TestSupport.write("match.destination,name\nStripe,x\n", to: "c.csv", in: dir)
                var env = sandbox.cliEnvironment
                env["M3TER_API_SECRET"] = "wrong-secret-value"
                let result = try await CLIRunner.run(
                    ["apply", changes.path, "--yes", "--run-dir", dir.appendingPathComponent("run").path],
                    environment: env)
                #expect(result.status == 4, "\(result.stderr)")
                #expect(!result.stderr.contains("wrong-secret-value"))
                #expect(await sandbox.stats().totalWrites == 0)
            }
        }
    }
}
