import Foundation
import Sandbox
import TestSupport
import Testing

extension EndToEnd {
    /// Credentials that die mid-run, and one process per run directory, with the real binary.
    @Suite("credentials and run ownership, end to end")
    struct RunOwnershipEndToEndTests {
        static let newCredentials = "99999999-9999-4999-8999-999999999999"

        /// The statuses of `report.json`'s rows, counted.
        func statuses(_ runDir: URL) throws -> [String: Int] {
            try RunFiles.statuses(runDir).values.reduce(into: [:]) { counts, status in counts[status, default: 0] += 1 }
        }

        func changes(_ configs: [SandboxConfig], in dir: URL) throws -> URL {
            let rows = configs.map { "\($0.id),\(Self.newCredentials)" }.joined(separator: "\n")
            return try TestSupport.write("id,integrationCredentialsId\n\(rows)\n", to: "changes.csv", in: dir)
        }

        @Test(
            "a pasted token that expires mid-run stops the run (exit 3, the rest not attempted); resume finishes it once"
        )
        func tokenDiesMidRun() async throws {
            var faults = SandboxFaults()
            faults.tokenLifetimeSeconds = 3
            faults.latencyMs = 20
            try await withSandbox(SandboxOptions(seedConfigs: 200, seed: 31, faults: faults)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                let runDir = dir.appendingPathComponent("run")
                let configs = await sandbox.configs()
                let list = try changes(configs, in: dir)
                var environment = sandbox.cliEnvironment
                environment["M3TER_API_KEY"] = nil
                environment["M3TER_API_SECRET"] = nil
                environment["M3TER_API_TOKEN"] = try await sandbox.pastedToken()
                // 200 writes at 40 requests/s outlast the token's 3 seconds.
                let stopped = try await CLIRunner.run(
                    ["apply", list.path, "--yes", "--quiet", "--run-dir", runDir.path], environment: environment)
                #expect(stopped.status == 3, "\(stopped.stdout)\n\(stopped.stderr)")
                #expect(stopped.stdout.contains("the API refused the credentials mid-run"), "\(stopped.stdout)")
                #expect(stopped.stdout.contains("Export a new M3TER_API_TOKEN, or M3TER_API_KEY and M3TER_API_SECRET"))
                #expect(stopped.stdout.contains("bulk-update resume \(runDir.path)"))
                let written = await sandbox.stats().totalWrites
                #expect(written > 0 && written < configs.count, "written \(written)")
                let counts = try statuses(runDir)
                #expect(counts["failed"] == nil, "\(counts)")
                #expect(counts["applied"] == written, "\(counts)")
                #expect(counts["not-attempted"] == configs.count - written, "\(counts)")

                // Fresh credentials: the run finishes, every config written exactly once.
                let resumed = try await CLIRunner.run(
                    ["resume", runDir.path, "--quiet"], environment: sandbox.cliEnvironment)
                #expect(resumed.status == 0, "\(resumed.stdout)\n\(resumed.stderr)")
                let stats = await sandbox.stats()
                #expect(stats.writesById.count == configs.count)
                #expect(stats.writesById.values.allSatisfy { $0 == 1 })
                #expect(await sandbox.configs().allSatisfy { $0.integrationCredentialsId == Self.newCredentials })
            }
        }

        @Test("while apply runs on a directory, resume and a second apply on it are refused (exit 2); report reads it")
        func oneProcessPerRunDirectory() async throws {
            var faults = SandboxFaults()
            faults.latencyMs = 30
            try await withSandbox(SandboxOptions(seedConfigs: 120, seed: 32, faults: faults)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                let runDir = dir.appendingPathComponent("run")
                let configs = await sandbox.configs()
                let list = try changes(configs, in: dir)
                let apply = ["apply", list.path, "--yes", "--quiet", "--rate", "20", "--run-dir", runDir.path]
                let first = try CLIProcess.start(apply, environment: sandbox.cliEnvironment)
                let deadline = ContinuousClock.now + .seconds(60)
                while await sandbox.stats().totalWrites < 5, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(await sandbox.stats().totalWrites >= 5, "the first apply never started writing")

                let resume = try await CLIRunner.run(["resume", runDir.path], environment: sandbox.cliEnvironment)
                #expect(resume.status == 2, "\(resume.stderr)")
                #expect(resume.stderr.contains("is in use by process \(first.pid)"), "\(resume.stderr)")
                let second = try await CLIRunner.run(apply, environment: sandbox.cliEnvironment)
                #expect(second.status == 2, "\(second.stderr)")
                #expect(second.stderr.contains("is in use by process \(first.pid)"), "\(second.stderr)")
                let report = try await CLIRunner.run(["report", runDir.path])
                #expect(report.status == 0, "\(report.stderr)")

                let finished = await first.wait()
                #expect(finished.status == 0, "\(finished.stderr)")
                let stats = await sandbox.stats()
                #expect(stats.writesById.count == configs.count)
                #expect(stats.writesById.values.allSatisfy { $0 == 1 })
                // The lock goes with the process: the finished run can be resumed (nothing left to do).
                let again = try await CLIRunner.run(["resume", runDir.path], environment: sandbox.cliEnvironment)
                #expect(again.status == 0, "\(again.stderr)")
                #expect(await sandbox.stats().totalWrites == configs.count)
            }
        }

        @Test("a run killed with SIGKILL leaves no stale lock: resume takes the directory over at once")
        func killLeavesNoLock() async throws {
            var faults = SandboxFaults()
            faults.latencyMs = 30
            try await withSandbox(SandboxOptions(seedConfigs: 60, seed: 33, faults: faults)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                let runDir = dir.appendingPathComponent("run")
                let configs = await sandbox.configs()
                let list = try changes(configs, in: dir)
                let first = try CLIProcess.start(
                    ["apply", list.path, "--yes", "--quiet", "--rate", "20", "--run-dir", runDir.path],
                    environment: sandbox.cliEnvironment)
                let deadline = ContinuousClock.now + .seconds(60)
                while await sandbox.stats().totalWrites < 5, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
                first.send(SIGKILL)
                let killed = await first.wait()
                #expect(killed.signalled)
                let written = await sandbox.stats().totalWrites
                #expect(written > 0 && written < configs.count, "written \(written)")
                let resumed = try await CLIRunner.run(["resume", runDir.path], environment: sandbox.cliEnvironment)
                #expect(resumed.status == 0, "\(resumed.stderr)")
                let stats = await sandbox.stats()
                #expect(stats.writesById.count == configs.count)
                #expect(stats.writesById.values.allSatisfy { $0 == 1 })
            }
        }
    }
}
