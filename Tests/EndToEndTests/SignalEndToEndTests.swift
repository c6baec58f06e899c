import Foundation
import Sandbox
import TestSupport
import Testing

extension EndToEnd {
    /// SIGTERM during a run, with the real binary against the sandbox.
    @Suite("SIGTERM, end to end")
    struct SignalEndToEndTests {
        static let newCredentials = "99999999-9999-4999-8999-999999999999"

        @Test("SIGTERM stops dispatching, lets in-flight writes finish, exits 3 with the resume command")
        func terminated() async throws {
            var faults = SandboxFaults()
            faults.latencyMs = 150
            try await withSandbox(SandboxOptions(seedConfigs: 50, seed: 51, faults: faults)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                let runDir = dir.appendingPathComponent("run")
                let configs = await sandbox.configs().sorted { $0.id < $1.id }
                let changes = try RunFiles.credentialChanges(configs.map(\.id), to: Self.newCredentials, in: dir)
                // 10 requests a second: the run would take about 5 s.
                let process = try CLIProcess.start(
                    [
                        "apply", changes.path, "--yes", "--rate", "10", "--concurrency", "4", "--run-dir",
                        runDir.path,
                    ],
                    environment: sandbox.cliEnvironment)
                try await Poll.until("five writes") { await sandbox.stats().totalWrites >= 5 }
                process.send(SIGTERM)
                let stopped = await process.wait()

                #expect(!stopped.signalled)
                #expect(stopped.status == 3, "\(stopped.stdout)\n\(stopped.stderr)")
                #expect(stopped.stderr.contains("SIGTERM: no new requests"), "\(stopped.stderr)")
                #expect(stopped.stdout.contains("Stopped early (interrupted)"), "\(stopped.stdout)")
                #expect(stopped.stdout.contains("bulk-update resume \(runDir.path)"), "\(stopped.stdout)")
                let stats = await sandbox.stats()
                let written = Set(stats.writesById.keys)
                #expect(written.count >= 5)
                #expect(written.count < configs.count)
                #expect(stats.writesById.values.allSatisfy { $0 == 1 })
                // Drained: every write the server took has its outcome in the journal and the report.
                #expect(Set(try RunFiles.journalOutcomeIds(runDir)) == written)
                let statuses = try RunFiles.statuses(runDir)
                #expect(statuses.count == configs.count)
                for config in configs {
                    #expect(statuses[config.id] == (written.contains(config.id) ? "applied" : "not-attempted"))
                }
                let stoppedState = Dictionary(uniqueKeysWithValues: await sandbox.configs().map { ($0.id, $0) })
                for config in configs {
                    let now = try #require(stoppedState[config.id])
                    if written.contains(config.id) {
                        #expect(now.integrationCredentialsId == Self.newCredentials)
                        #expect(now.version == config.version + 1)
                    } else {
                        #expect(now == config)
                    }
                }

                // The resume command it printed finishes the run; no write of the first run is found
                // "already applied", so none was left in flight unrecorded.
                let resumed = try await CLIRunner.run(
                    ["resume", runDir.path, "--quiet", "--rate", "40", "--concurrency", "16"],
                    environment: sandbox.cliEnvironment)
                #expect(resumed.status == 0, "\(resumed.stdout)\n\(resumed.stderr)")
                let report = try RunFiles.report(runDir)
                #expect(try RunFiles.statuses(of: report).values.allSatisfy { $0 == "applied" })
                let rows = try #require(report["rows"] as? [[String: Any]])
                #expect(rows.allSatisfy { $0["reconciled"] as? Bool == false })
                let final = await sandbox.configs()
                #expect(final.allSatisfy { $0.integrationCredentialsId == Self.newCredentials })
                let finalStats = await sandbox.stats()
                #expect(finalStats.writesById.count == configs.count)
                #expect(finalStats.writesById.values.allSatisfy { $0 == 1 })
            }
        }

        @Test("a second SIGTERM while writes hang in flight exits at once (128 + SIGTERM), and resume finishes")
        func secondSignal() async throws {
            try await withSandbox(SandboxOptions(seedConfigs: 30, seed: 52)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                let runDir = dir.appendingPathComponent("run")
                let configs = await sandbox.configs().sorted { $0.id < $1.id }
                let changes = try RunFiles.credentialChanges(configs.map(\.id), to: Self.newCredentials, in: dir)
                let process = try CLIProcess.start(
                    [
                        "apply", changes.path, "--yes", "--rate", "5", "--concurrency", "6", "--run-dir",
                        runDir.path,
                    ],
                    environment: sandbox.cliEnvironment)
                try await Poll.until("two writes") { await sandbox.stats().totalWrites >= 2 }
                // From now on every request takes 20 s: a graceful stop would wait that long for the
                // writes in flight, and then exit 3.
                var slow = await sandbox.faults()
                slow.latencyMs = 20_000
                await sandbox.setFaults(slow)
                // A new peak of requests in progress means one began after the change: it hangs.
                let peak = await sandbox.stats().peakConcurrent
                try await Poll.until("a request hanging in flight") {
                    await sandbox.stats().peakConcurrent > peak
                }
                process.send(SIGTERM)
                try await Poll.until("the first signal's notice") {
                    process.stderrSoFar.contains("SIGTERM: no new requests")
                }
                process.send(SIGTERM)
                let result = await process.wait()

                #expect(!result.signalled)
                #expect(result.status == 128 + SIGTERM, "\(result.stdout)\n\(result.stderr)")
                #expect(result.stderr.contains("second signal: exiting now"), "\(result.stderr)")
                // Nothing hanging has committed: the journal holds exactly the writes the server took.
                let stats = await sandbox.stats()
                let written = Set(stats.writesById.keys)
                #expect(written.count >= 2)
                #expect(written.count < configs.count)
                #expect(stats.writesById.values.allSatisfy { $0 == 1 })
                #expect(Set(try RunFiles.journalOutcomeIds(runDir)) == written)
                // No report was written; `report` rebuilds one from the plan and the journal.
                let rebuilt = try await CLIRunner.run(["report", runDir.path, "--format", "json"])
                #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
                let object = try #require(
                    try JSONSerialization.jsonObject(with: Data(rebuilt.stdout.utf8)) as? [String: Any])
                let statuses = try RunFiles.statuses(of: object)
                #expect(statuses.count == configs.count)
                for config in configs {
                    #expect(statuses[config.id] == (written.contains(config.id) ? "applied" : "not-attempted"))
                }

                // Back to normal speed, resume finishes the plan; each config is written exactly once
                // (the hanging requests carry the old version and can no longer commit).
                slow.latencyMs = 0
                await sandbox.setFaults(slow)
                let resumed = try await CLIRunner.run(
                    ["resume", runDir.path, "--quiet", "--rate", "40"], environment: sandbox.cliEnvironment)
                #expect(resumed.status == 0, "\(resumed.stdout)\n\(resumed.stderr)")
                #expect(try RunFiles.statuses(runDir).values.allSatisfy { $0 == "applied" })
                let final = await sandbox.configs()
                #expect(final.allSatisfy { $0.integrationCredentialsId == Self.newCredentials })
                let finalStats = await sandbox.stats()
                #expect(finalStats.writesById.count == configs.count)
                #expect(finalStats.writesById.values.allSatisfy { $0 == 1 })
            }
        }
    }
}
