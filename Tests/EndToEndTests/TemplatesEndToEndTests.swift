import Foundation
import Sandbox
import TestSupport
import Testing

extension EndToEnd {
    /// Templated values, with the real binary against the sandbox.
    @Suite("templates, end to end")
    struct TemplatesEndToEndTests {
        static let hostSwap =
            "match.destination,configData.url\n"
            + "Webhook,\"{{ configData.url | replace(\"\"https://hooks.example.com/\"\", \"\"https://events.example.com/\"\") }}\"\n"

        @Test("a templated host swap over every webhook: planned, reviewed, applied exactly once each, paths kept")
        func hostSwap() async throws {
            try await withSandbox(SandboxOptions(seedConfigs: 120, seed: 41)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                _ = try TestSupport.write(Self.hostSwap, to: "swap.csv", in: dir)
                let before = await sandbox.configs()
                let webhooks = before.filter { $0.destination == "Webhook" }
                #expect(webhooks.count > 10)
                let plan = try await CLIRunner.run(
                    ["plan", "swap.csv", "--out", "plan.json"], environment: sandbox.cliEnvironment, directory: dir)
                #expect(plan.status == 0, "\(plan.stderr)")
                let first = try #require(webhooks.first?.configData["url"]?.stringValue)
                let swapped = first.replacingOccurrences(
                    of: "https://hooks.example.com/", with: "https://events.example.com/")
                #expect(plan.stdout.contains("configData.url: \"\(first)\" → \"\(swapped)\""), "\(plan.stdout)")
                #expect(await sandbox.stats().totalWrites == 0)

                let apply = try await CLIRunner.run(
                    ["apply", "--plan", "plan.json", "--yes", "--quiet", "--run-dir", "run"],
                    environment: sandbox.cliEnvironment, directory: dir)
                #expect(apply.status == 0, "\(apply.stdout)\n\(apply.stderr)")
                let after = Dictionary(uniqueKeysWithValues: await sandbox.configs().map { ($0.id, $0) })
                for config in webhooks {
                    let old = try #require(config.configData["url"]?.stringValue)
                    #expect(old.hasPrefix("https://hooks.example.com/m3ter/"))
                    let expected = old.replacingOccurrences(
                        of: "https://hooks.example.com/", with: "https://events.example.com/")
                    #expect(after[config.id]?.configData["url"]?.stringValue == expected)
                    #expect(after[config.id]?.configData["retry"] == config.configData["retry"])
                }
                for config in before where config.destination != "Webhook" { #expect(after[config.id] == config) }
                let stats = await sandbox.stats()
                #expect(Set(stats.writesById.keys) == Set(webhooks.map(\.id)))
                #expect(stats.writesById.values.allSatisfy { $0 == 1 })
                let statuses = try RunFiles.statuses(dir.appendingPathComponent("run"))
                #expect(webhooks.allSatisfy { statuses[$0.id] == "applied" })

                // Planned again, the swap finds nothing left to do.
                let again = try await CLIRunner.run(
                    ["plan", "swap.csv"], environment: sandbox.cliEnvironment, directory: dir)
                #expect(again.status == 0)
                #expect(
                    again.stdout.contains("0 update, 0 enable-only, \(webhooks.count) unchanged"), "\(again.stdout)")
            }
        }

        @Test(
            "a template that cannot be parsed is refused at its cell, exit 2, before any request",
            arguments: [
                ("{{ configData.url | frob }}", "t.csv:2:2: error: 'configData.url': unknown filter 'frob'"),
                ("{{ configData.ulr }}x{{ nmae }}", "t.csv:2:2: error: 'configData.url': unknown field 'nmae'"),
                (
                    "{{ configData.url | regex_replace(\"\"([\"\", \"\"x\"\") }}",
                    "t.csv:2:2: error: 'configData.url': '([' is not a valid regular expression"
                ),
                ("{{ configData.url", "t.csv:2:2: error: 'configData.url': '{{' is never closed"),
                (
                    "{{ configData.signingSecret }}",
                    "t.csv:2:2: error: 'configData.url': cannot read 'configData.signingSecret': 'signingSecret' is a secret key"
                ),
            ])
        func parseErrors(template: String, message: String) async throws {
            try await withSandbox(SandboxOptions(seedConfigs: 30, seed: 42)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                _ = try TestSupport.write(
                    "match.destination,configData.url\nWebhook,\"\(template)\"\n", to: "t.csv", in: dir)
                let result = try await CLIRunner.run(
                    ["apply", "t.csv", "--yes"], environment: sandbox.cliEnvironment, directory: dir)
                #expect(result.status == 2)
                #expect(result.stderr.hasPrefix(message), "\(result.stderr)")
                #expect(result.stderr.hasSuffix("1 error; nothing was sent\n"), "\(result.stderr)")
                #expect(await sandbox.stats().totalRequests == 0)
            }
        }

        @Test("a field some targeted configs lack, with no default, is one error naming a config; nothing is written")
        func absentField() async throws {
            try await withSandbox(SandboxOptions(seedConfigs: 60, seed: 43)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                _ = try TestSupport.write(
                    "match.entityType,name\nBill,\"{{ configData.accountId }} (migrated)\"\n", to: "t.csv", in: dir)
                let bills = await sandbox.configs().filter { $0.entityType == "Bill" }
                let lacking = bills.filter { $0.configData["accountId"] == nil }
                let first = try #require(lacking.first)
                let result = try await CLIRunner.run(
                    ["apply", "t.csv", "--yes"], environment: sandbox.cliEnvironment, directory: dir)
                #expect(result.status == 2)
                #expect(
                    result.stderr
                        == "t.csv:2:2: error: 'name': config \(first.id) (and \(lacking.count - 1) more configs) has no "
                        + "'configData.accountId' (give one with | default(\"…\"))\n1 error; nothing was sent\n")
                #expect(await sandbox.stats().totalWrites == 0)
            }
        }

        @Test("a value a template read, changed by someone after planning, makes the item a conflict")
        func readFieldChanged() async throws {
            try await withSandbox(SandboxOptions(seedConfigs: 20, seed: 44)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                let target = try #require(await sandbox.configs().first)
                _ = try TestSupport.write(
                    "id,configData.label\n\(target.id),\"{{ name | upper }}\"\n", to: "t.csv", in: dir)
                let plan = try await CLIRunner.run(
                    ["plan", "t.csv", "--out", "plan.json"], environment: sandbox.cliEnvironment, directory: dir)
                #expect(plan.status == 0, "\(plan.stderr)")
                await sandbox.mutate(id: target.id) { $0.name = "Renamed by a colleague" }
                let apply = try await CLIRunner.run(
                    ["apply", "--plan", "plan.json", "--yes", "--quiet", "--run-dir", "run"],
                    environment: sandbox.cliEnvironment, directory: dir)
                #expect(apply.status == 1, "\(apply.stdout)\n\(apply.stderr)")
                #expect(try RunFiles.statuses(dir.appendingPathComponent("run"))[target.id] == "conflict")
                #expect(await sandbox.config(id: target.id)?.configData["label"] == nil)
                #expect(await sandbox.stats().totalWrites == 0)
            }
        }
    }
}
