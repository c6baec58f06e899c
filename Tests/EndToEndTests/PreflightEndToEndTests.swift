import Foundation
import Planner
import Sandbox
import TestSupport
import Testing

extension EndToEnd {
    /// What stops a run before its first write: no server, the wrong org, a tampered or stale plan file.
    @Suite("refused before any write, end to end")
    struct PreflightEndToEndTests {
        static let newCredentials = "99999999-9999-4999-8999-999999999999"
        static let putRoute = "PUT /organizations/{orgId}/integrationconfigs/{id}"

        /// A change list for every config of the sandbox, and the configs as they were.
        func rotation(_ sandbox: SandboxServer, in dir: URL) async throws -> (URL, [SandboxConfig]) {
            let configs = await sandbox.configs().sorted { $0.id < $1.id }
            return (try RunFiles.credentialChanges(configs.map(\.id), to: Self.newCredentials, in: dir), configs)
        }

        /// Checks that the sandbox still holds `configs` exactly and took no write.
        func expectUntouched(_ sandbox: SandboxServer, _ configs: [SandboxConfig]) async {
            #expect(await sandbox.configs().sorted { $0.id < $1.id } == configs)
            let stats = await sandbox.stats()
            #expect(stats.totalWrites == 0)
            #expect(stats.byRoute[Self.putRoute] == nil)
        }

        @Test("nothing listening at the base URL: exit 4, no run directory, nothing sent")
        func unreachableHost() async throws {
            try await withSandbox(SandboxOptions(seedConfigs: 5, seed: 41)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                let (changes, configs) = try await rotation(sandbox, in: dir)
                var environment = sandbox.cliEnvironment
                // Port 1 (tcpmux) is closed on loopback: every connection is refused.
                environment["M3TER_BASE_URL"] = "http://127.0.0.1:1"
                let runDir = dir.appendingPathComponent("run")
                let result = try await CLIRunner.run(
                    ["apply", changes.path, "--yes", "--quiet", "--run-dir", runDir.path], environment: environment)
                #expect(result.status == 4, "\(result.stdout)\n\(result.stderr)")
                #expect(result.stderr.contains("nothing was sent"), "\(result.stderr)")
                #expect(!FileManager.default.fileExists(atPath: runDir.path))
                #expect(await sandbox.stats().totalRequests == 0)
                await expectUntouched(sandbox, configs)
            }
        }

        @Test("an org the credentials do not belong to: exit 4, nothing written")
        func wrongOrg() async throws {
            try await withSandbox(SandboxOptions(seedConfigs: 5, seed: 42)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                let (changes, configs) = try await rotation(sandbox, in: dir)
                var environment = sandbox.cliEnvironment
                environment["M3TER_ORG_ID"] = "6b5e9f3d-1c80-4d2f-8b74-3e2c8c9d0f12"
                let runDir = dir.appendingPathComponent("run")
                let result = try await CLIRunner.run(
                    ["apply", changes.path, "--yes", "--quiet", "--run-dir", runDir.path], environment: environment)
                #expect(result.status == 4, "\(result.stdout)\n\(result.stderr)")
                #expect(result.stderr.contains("nothing was sent"), "\(result.stderr)")
                #expect(!FileManager.default.fileExists(atPath: runDir.path))
                // The sandbox refused the other org's path (403), after one token refresh.
                #expect((await sandbox.stats().byStatus["403"] ?? 0) >= 1)
                await expectUntouched(sandbox, configs)
            }
        }

        /// Plans the rotation online, rewrites the plan file with `edit`, and applies it: exit 2.
        func applyEditedPlan(seed: UInt64, _ edit: (String) throws -> String) async throws -> CLIResult {
            try await withSandbox(SandboxOptions(seedConfigs: 6, seed: seed)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                let (changes, configs) = try await rotation(sandbox, in: dir)
                let planFile = dir.appendingPathComponent("plan.json")
                let plan = try await CLIRunner.run(
                    ["plan", changes.path, "--out", planFile.path], environment: sandbox.cliEnvironment)
                #expect(plan.status == 0, "\(plan.stderr)")
                let original = try String(contentsOf: planFile, encoding: .utf8)
                let edited = try edit(original)
                #expect(edited != original)
                try Data(edited.utf8).write(to: planFile)
                let planning = await sandbox.stats().totalRequests
                let runDir = dir.appendingPathComponent("run")
                let result = try await CLIRunner.run(
                    ["apply", "--plan", planFile.path, "--yes", "--quiet", "--run-dir", runDir.path],
                    environment: sandbox.cliEnvironment)
                #expect(result.status == 2, "\(result.stdout)\n\(result.stderr)")
                #expect(!FileManager.default.fileExists(atPath: runDir.path))
                #expect(await sandbox.stats().totalRequests == planning)
                await expectUntouched(sandbox, configs)
                return result
            }
        }

        @Test("a plan file edited after planning (one item's value changed) is refused: exit 2, nothing sent")
        func tamperedPlan() async throws {
            let result = try await applyEditedPlan(seed: 43) { text in
                // Item lines follow the header line; retarget the first item to other credentials.
                var lines = text.components(separatedBy: "\n")
                let index = try #require(lines.firstIndex { $0.contains(Self.newCredentials) })
                lines[index] = lines[index].replacingOccurrences(
                    of: Self.newCredentials, with: "66666666-6666-4666-8666-666666666666")
                return lines.joined(separator: "\n")
            }
            #expect(result.stderr.contains("was modified after it was made"), "\(result.stderr)")
        }

        @Test("a plan file of an older format (formatVersion 3) is refused: exit 2, nothing sent")
        func stalePlan() async throws {
            let result = try await applyEditedPlan(seed: 44) { text in
                let current = "\"formatVersion\":\(Plan.currentFormatVersion)"
                try #require(Plan.currentFormatVersion > 3 && text.contains(current))
                return text.replacingOccurrences(of: current, with: "\"formatVersion\":3")
            }
            #expect(result.stderr.contains("format version 3"), "\(result.stderr)")
        }
    }
}
