import Foundation
import Sandbox
import TestSupport
import Testing

extension EndToEnd {
    /// `bulk-update rethrottle` against a running apply, with the real binaries and the sandbox.
    @Suite("rethrottle, end to end")
    struct RethrottleEndToEndTests {
        static let newCredentials = "99999999-9999-4999-8999-999999999999"

        /// The journal's `rate` records as (previousRate, rate), in order.
        static func journalRates(_ runDir: URL) throws -> [[Double]] {
            try journalLines(runDir).filter { $0["type"] as? String == "rate" }.map { record in
                [try #require(record["previousRate"] as? Double), try #require(record["rate"] as? Double)]
            }
        }

        /// Every journal line as a JSON object.
        static func journalLines(_ runDir: URL) throws -> [[String: Any]] {
            let text = try String(contentsOf: runDir.appendingPathComponent("journal.jsonl"), encoding: .utf8)
            return try text.split(separator: "\n").map { line in
                try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            }
        }

        /// Waits until the sandbox has received no request for `quiet` (the requests in flight have landed),
        /// and returns its statistics then.
        static func settled(_ sandbox: SandboxServer, quiet: Duration = .milliseconds(500)) async throws -> SandboxStats
        {
            var last = await sandbox.stats()
            var since = ContinuousClock.now
            try await Poll.until("the requests in flight to land") {
                let now = await sandbox.stats()
                if now.totalRequests != last.totalRequests {
                    last = now
                    since = ContinuousClock.now
                }
                return ContinuousClock.now - since >= quiet
            }
            return last
        }

        @Test(
            "paused with --rate 0, a running apply sends nothing; --rate 30 finishes it, each config once, both changes journaled"
        )
        func pauseAndContinue() async throws {
            var faults = SandboxFaults()
            faults.latencyMs = 30
            try await withSandbox(SandboxOptions(seedConfigs: 120, seed: 61, faults: faults)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                let runDir = dir.appendingPathComponent("run")
                let configs = await sandbox.configs()
                let changes = try RunFiles.credentialChanges(configs.map(\.id), to: Self.newCredentials, in: dir)
                // 120 writes at 20 requests/s take about 6 s: the pause lands well before the end.
                let apply = try CLIProcess.start(
                    ["apply", changes.path, "--yes", "--rate", "20", "--run-dir", runDir.path],
                    environment: sandbox.cliEnvironment)
                try await Poll.until("five writes", timeout: .seconds(60)) {
                    await sandbox.stats().totalWrites >= 5
                }

                let pause = try await CLIRunner.run(["rethrottle", runDir.path, "--rate", "0"])
                #expect(pause.status == 0, "\(pause.stdout)\n\(pause.stderr)")
                #expect(
                    pause.stdout.contains("process \(apply.pid) on \(runDir.path): 20 req/s → paused"),
                    "\(pause.stdout)")
                let paused = try await Self.settled(sandbox)
                #expect(paused.totalWrites < configs.count, "the run finished before the pause took hold")
                // Paused: not one request for 3 s (checked every 50 ms).
                let deadline = ContinuousClock.now + .seconds(3)
                while ContinuousClock.now < deadline {
                    let now = await sandbox.stats()
                    #expect(now.totalRequests == paused.totalRequests)
                    #expect(now.totalWrites == paused.totalWrites)
                    if now.totalRequests != paused.totalRequests { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(apply.stderrSoFar.contains("rethrottle: 20 req/s → paused"), "\(apply.stderrSoFar)")

                let resume = try await CLIRunner.run(["rethrottle", runDir.path, "--rate", "30"])
                #expect(resume.status == 0, "\(resume.stdout)\n\(resume.stderr)")
                #expect(resume.stdout.contains("paused → 30 req/s"), "\(resume.stdout)")

                let finished = await apply.wait()
                #expect(finished.status == 0, "\(finished.stdout)\n\(finished.stderr)")
                #expect(finished.stderr.contains("rethrottle: paused → 30 req/s"), "\(finished.stderr)")
                let stats = await sandbox.stats()
                #expect(stats.writesById.count == configs.count)
                #expect(stats.writesById.values.allSatisfy { $0 == 1 })
                #expect(await sandbox.configs().allSatisfy { $0.integrationCredentialsId == Self.newCredentials })
                #expect(try Self.journalRates(runDir) == [[20, 0], [0, 30]])
                let report = try RunFiles.report(runDir)
                let marks = try #require(report["rateChanges"] as? [[String: Any]])
                #expect(marks.compactMap { $0["rate"] as? Double } == [0, 30])
                let html = try String(contentsOf: runDir.appendingPathComponent("report.html"), encoding: .utf8)
                #expect(html.contains("rate changed (rethrottle)"))
            }
        }

        @Test("rethrottle with no process on the directory says so and exits 2, writing nothing")
        func noProcess() async throws {
            try await withSandbox(SandboxOptions(seedConfigs: 6, seed: 62)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                let runDir = dir.appendingPathComponent("run")
                let configs = await sandbox.configs()
                let changes = try RunFiles.credentialChanges(configs.map(\.id), to: Self.newCredentials, in: dir)
                let applied = try await CLIRunner.run(
                    ["apply", changes.path, "--yes", "--quiet", "--run-dir", runDir.path],
                    environment: sandbox.cliEnvironment)
                #expect(applied.status == 0, "\(applied.stderr)")

                let finished = try await CLIRunner.run(["rethrottle", runDir.path, "--rate", "10"])
                #expect(finished.status == 2, "\(finished.stdout)\n\(finished.stderr)")
                #expect(
                    finished.stderr.contains("no apply or resume is running on \(runDir.path)"), "\(finished.stderr)")
                #expect(!FileManager.default.fileExists(atPath: runDir.appendingPathComponent("control.json").path))
                // The lock is free: the run is resumed at once (nothing left to do).
                let again = try await CLIRunner.run(["resume", runDir.path], environment: sandbox.cliEnvironment)
                #expect(again.status == 0, "\(again.stderr)")

                let nowhere = try await CLIRunner.run([
                    "rethrottle", dir.appendingPathComponent("none").path, "--rate", "0",
                ])
                #expect(nowhere.status == 2)
                #expect(nowhere.stderr.contains("is not a run directory"), "\(nowhere.stderr)")
                let negative = try await CLIRunner.run(["rethrottle", runDir.path, "--rate", "-1"])
                #expect(negative.status == 64, "\(negative.stderr)")
            }
        }

        @Test("a run killed after a rethrottle resumes at the journaled rate, says so, and journals it")
        func resumeAtJournaledRate() async throws {
            var faults = SandboxFaults()
            faults.latencyMs = 20
            try await withSandbox(SandboxOptions(seedConfigs: 60, seed: 63, faults: faults)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                let runDir = dir.appendingPathComponent("run")
                let configs = await sandbox.configs()
                let changes = try RunFiles.credentialChanges(configs.map(\.id), to: Self.newCredentials, in: dir)
                let apply = try CLIProcess.start(
                    ["apply", changes.path, "--yes", "--quiet", "--rate", "5", "--run-dir", runDir.path],
                    environment: sandbox.cliEnvironment)
                try await Poll.until("three writes", timeout: .seconds(60)) {
                    await sandbox.stats().totalWrites >= 3
                }
                let faster = try await CLIRunner.run(["rethrottle", runDir.path, "--rate", "12"])
                #expect(faster.status == 0, "\(faster.stdout)\n\(faster.stderr)")
                apply.send(SIGKILL)
                #expect(await apply.wait().signalled)
                #expect(await sandbox.stats().totalWrites < configs.count)
                #expect(try Self.journalRates(runDir) == [[5, 12]])

                let resumed = try await CLIRunner.run(
                    ["resume", runDir.path, "--quiet"], environment: sandbox.cliEnvironment)
                #expect(resumed.status == 0, "\(resumed.stdout)\n\(resumed.stderr)")
                #expect(
                    resumed.stderr.contains("resuming at 12 req/s: the rate the run was last at (journal.jsonl)"),
                    "\(resumed.stderr)")
                let headers = try Self.journalLines(runDir).filter { $0["type"] as? String == "resume" }
                #expect(headers.count == 1)
                #expect((headers.first?["options"] as? [String: String])?["rate"] == "12.0")
                let stats = await sandbox.stats()
                #expect(stats.writesById.count == configs.count)
                #expect(stats.writesById.values.allSatisfy { $0 == 1 })

                // --rate given to resume wins over the journal.
                let given = try await CLIRunner.run(
                    ["resume", runDir.path, "--quiet", "--rate", "7"], environment: sandbox.cliEnvironment)
                #expect(given.status == 0, "\(given.stderr)")
                #expect(given.stderr.contains("resuming at 7 req/s (--rate)"), "\(given.stderr)")
            }
        }

        @Test("Ctrl-C while paused stops at once (exit 3); resume goes on at the rate from before the pause")
        func interruptWhilePaused() async throws {
            var faults = SandboxFaults()
            faults.latencyMs = 30
            try await withSandbox(SandboxOptions(seedConfigs: 80, seed: 64, faults: faults)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                let runDir = dir.appendingPathComponent("run")
                let configs = await sandbox.configs()
                let changes = try RunFiles.credentialChanges(configs.map(\.id), to: Self.newCredentials, in: dir)
                let apply = try CLIProcess.start(
                    ["apply", changes.path, "--yes", "--quiet", "--rate", "15", "--run-dir", runDir.path],
                    environment: sandbox.cliEnvironment)
                try await Poll.until("five writes", timeout: .seconds(60)) {
                    await sandbox.stats().totalWrites >= 5
                }
                let pause = try await CLIRunner.run(["rethrottle", runDir.path, "--rate", "0"])
                #expect(pause.status == 0, "\(pause.stdout)\n\(pause.stderr)")
                let paused = try await Self.settled(sandbox)
                apply.send(SIGINT)
                let start = ContinuousClock.now
                let stopped = await apply.wait()
                // Items waiting for a permit give up instead of waiting out the 30 s drain.
                #expect(ContinuousClock.now - start < .seconds(15))
                #expect(stopped.status == 3, "\(stopped.stdout)\n\(stopped.stderr)")
                #expect(await sandbox.stats().totalWrites == paused.totalWrites)

                let resumed = try await CLIRunner.run(
                    ["resume", runDir.path, "--quiet"], environment: sandbox.cliEnvironment)
                #expect(resumed.status == 0, "\(resumed.stdout)\n\(resumed.stderr)")
                #expect(
                    resumed.stderr.contains(
                        "resuming at 15 req/s: the rate before the run was paused (journal.jsonl); "
                            + "a pause is not carried over"),
                    "\(resumed.stderr)")
                let stats = await sandbox.stats()
                #expect(stats.writesById.count == configs.count)
                #expect(stats.writesById.values.allSatisfy { $0 == 1 })
            }
        }
    }
}
