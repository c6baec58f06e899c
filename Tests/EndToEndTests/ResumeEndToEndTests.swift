import Foundation
import Sandbox
import TestSupport
import Testing

extension EndToEnd {
    /// Killed, interrupted and resumed runs with the real binary against the sandbox.
    @Suite("durable runs, end to end")
    struct ResumeEndToEndTests {
        static let newCredentials = "99999999-9999-4999-8999-999999999999"

        func idChanges(_ configs: [SandboxConfig], value: String = newCredentials, in dir: URL) throws -> URL {
            let rows = configs.map { "\($0.id),\(value)" }.joined(separator: "\n")
            return try TestSupport.write("id,integrationCredentialsId\n\(rows)\n", to: "changes.csv", in: dir)
        }

        /// Reads `report.json` of a run directory as JSON.
        func reportRows(_ runDir: URL) throws -> [[String: Any]] {
            let data = try Data(contentsOf: runDir.appendingPathComponent("report.json"))
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            return try #require(object["rows"] as? [[String: Any]])
        }

        /// Kills runs at pseudo-random moments, resumes until done, and checks nothing was lost or doubled.
        func killAndResume(lostResponses: Double, seed: UInt64) async throws {
            var faults = SandboxFaults()
            faults.latencyMs = 25
            faults.lostResponseRate = lostResponses
            try await withSandbox(SandboxOptions(seedConfigs: 90, seed: seed, faults: faults)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                let runDir = dir.appendingPathComponent("run")
                let configs = await sandbox.configs()
                let original = Dictionary(uniqueKeysWithValues: configs.map { ($0.id, $0.version) })
                let changes = try idChanges(configs, in: dir)
                var random = seed
                func nextDelay() -> Duration {
                    random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    return .milliseconds(50 + Int64((random >> 33) % 350))
                }
                var finished: CLIResult?
                for attempt in 0..<12 {
                    let planWritten = FileManager.default.fileExists(
                        atPath: runDir.appendingPathComponent("plan.json").path)
                    let arguments =
                        planWritten
                        ? ["resume", runDir.path, "--quiet"]
                        : ["apply", changes.path, "--yes", "--quiet", "--run-dir", runDir.path]
                    let writesBefore = await sandbox.stats().totalWrites
                    let process = try CLIProcess.start(arguments, environment: sandbox.cliEnvironment)
                    if attempt < 4 {
                        // Killed while writing: after this attempt's first write, at a pseudo-random moment.
                        let deadline = ContinuousClock.now + .seconds(60)
                        while await sandbox.stats().totalWrites == writesBefore, ContinuousClock.now < deadline {
                            try await Task.sleep(for: .milliseconds(5))
                        }
                        try await Task.sleep(for: nextDelay())
                        process.send(SIGKILL)
                        let killed = await process.wait()
                        if !killed.signalled {
                            #expect([0, 1].contains(killed.status), "\(killed.stderr)")
                            if killed.status == 0 { finished = killed }
                        }
                        if finished != nil { break }
                        let written = await sandbox.stats().totalWrites
                        #expect(written > writesBefore, "kill \(attempt) landed before any write")
                        #expect(written < configs.count, "kill \(attempt) landed after the last write")
                    } else {
                        let result = await process.wait()
                        if result.status == 0 {
                            finished = result
                            break
                        }
                        #expect(result.status == 3, "\(result.stderr)")
                    }
                }
                let result = try #require(finished)
                #expect(result.status == 0)
                let final = await sandbox.configs()
                #expect(final.allSatisfy { $0.integrationCredentialsId == Self.newCredentials })
                #expect(final.allSatisfy { $0.version == (original[$0.id] ?? -1) + 1 })
                let stats = await sandbox.stats()
                #expect(stats.writesById.count == configs.count)
                #expect(stats.writesById.values.allSatisfy { $0 == 1 })
                let rows = try reportRows(runDir)
                #expect(rows.count == configs.count)
                #expect(Set(rows.compactMap { $0["id"] as? String }) == Set(configs.map(\.id)))
                // Resuming a finished run changes nothing and exits 0.
                let again = try await CLIRunner.run(["resume", runDir.path], environment: sandbox.cliEnvironment)
                #expect(again.status == 0, "\(again.stderr)")
                #expect(await sandbox.stats().totalWrites == configs.count)
            }
        }

        @Test("SIGKILL at random moments, then resume: the plan is applied exactly once")
        func killed() async throws {
            try await killAndResume(lostResponses: 0, seed: 21)
        }

        @Test("SIGKILL with lost responses (committed writes whose responses vanished): still exactly once")
        func killedWithLostResponses() async throws {
            try await killAndResume(lostResponses: 0.2, seed: 22)
        }

        @Test("SIGINT drains in-flight requests, exits 3 with a resume command, and resume completes")
        func interrupted() async throws {
            var faults = SandboxFaults()
            faults.latencyMs = 40
            try await withSandbox(SandboxOptions(seedConfigs: 80, seed: 23, faults: faults)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                let runDir = dir.appendingPathComponent("run")
                let configs = await sandbox.configs()
                let changes = try idChanges(configs, in: dir)
                let process = try CLIProcess.start(
                    ["apply", changes.path, "--yes", "--run-dir", runDir.path], environment: sandbox.cliEnvironment)
                let deadline = ContinuousClock.now + .seconds(60)
                while await sandbox.stats().totalWrites < 10, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(10))
                }
                try #require(await sandbox.stats().totalWrites >= 10, "the run never wrote")
                process.send(SIGINT)
                let stopped = await process.wait()
                #expect(stopped.status == 3, "\(stopped.stderr)")
                #expect(
                    stopped.stdout.contains("bulk-update resume \(runDir.path)")
                        || stopped.stderr.contains("bulk-update resume"))
                let written = await sandbox.stats().totalWrites
                #expect(written < configs.count)
                let journal = try String(contentsOf: runDir.appendingPathComponent("journal.jsonl"), encoding: .utf8)
                let outcomes = journal.split(separator: "\n").filter { $0.contains("\"outcome\"") }
                // Drained: every write the server took has its outcome in the journal.
                #expect(outcomes.count == written)
                #expect(FileManager.default.fileExists(atPath: runDir.appendingPathComponent("report.json").path))
                let resumed = try await CLIRunner.run(["resume", runDir.path], environment: sandbox.cliEnvironment)
                #expect(resumed.status == 0, "\(resumed.stderr)")
                let stats = await sandbox.stats()
                #expect(stats.writesById.count == configs.count)
                #expect(stats.writesById.values.allSatisfy { $0 == 1 })
            }
        }

        @Test("a torn journal tail is ignored: resume reconciles that item without writing it again")
        func tornTail() async throws {
            try await withSandbox(SandboxOptions(seedConfigs: 20, seed: 24)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                let runDir = dir.appendingPathComponent("run")
                let configs = await sandbox.configs()
                let changes = try idChanges(configs, in: dir)
                let first = try await CLIRunner.run(
                    ["apply", changes.path, "--yes", "--run-dir", runDir.path], environment: sandbox.cliEnvironment)
                #expect(first.status == 0, "\(first.stderr)")
                let journalURL = runDir.appendingPathComponent("journal.jsonl")
                var text = try String(contentsOf: journalURL, encoding: .utf8)
                // Cut the last record in half, as if the process died while writing it.
                text.removeLast()
                let cut = text.index(text.endIndex, offsetBy: -40)
                try Data(text[..<cut].utf8).write(to: journalURL)
                let resumed = try await CLIRunner.run(["resume", runDir.path], environment: sandbox.cliEnvironment)
                #expect(resumed.status == 0, "\(resumed.stderr)")
                let stats = await sandbox.stats()
                #expect(stats.totalWrites == configs.count)
                let rows = try reportRows(runDir)
                #expect(rows.count == configs.count)
            }
        }

        @Test("a run directory of another plan is refused")
        func otherPlanRefused() async throws {
            try await withSandbox(SandboxOptions(seedConfigs: 10, seed: 25)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                let runDir = dir.appendingPathComponent("run")
                let configs = await sandbox.configs()
                let first = try await CLIRunner.run(
                    ["apply", try idChanges(configs, in: dir).path, "--yes", "--run-dir", runDir.path],
                    environment: sandbox.cliEnvironment)
                #expect(first.status == 0, "\(first.stderr)")
                let other = try idChanges(configs, value: "77777777-7777-4777-8777-777777777777", in: dir)
                let second = try await CLIRunner.run(
                    ["apply", other.path, "--yes", "--run-dir", runDir.path], environment: sandbox.cliEnvironment)
                #expect(second.status == 2, "\(second.stderr)")
                #expect(second.stderr.contains("plan"))
                #expect(await sandbox.stats().totalWrites == configs.count)
            }
        }
    }
}
