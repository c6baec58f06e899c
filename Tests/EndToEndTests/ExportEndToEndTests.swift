import Foundation
import Sandbox
import TestSupport
import Testing

extension EndToEnd {
    /// `export` → edit → `apply`: the spreadsheet round trip, with the real binary against the sandbox.
    @Suite("export, end to end")
    struct ExportEndToEndTests {
        static let tricky = "11111111-aaaa-4aaa-8aaa-111111111111"
        static let plain = "22222222-aaaa-4aaa-8aaa-222222222222"

        /// Configs whose values are easy to lose on a round trip: strings that read as other JSON
        /// values, formula-like text, template-like text, `\N`, quotes, commas, newlines, non-ASCII.
        static let configs = [
            SandboxConfig(
                id: tricky, version: 4, entityType: "Bill", destination: "Webhook",
                configData: [
                    "hundred": .string("100"), "yes": .string("true"), "nothing": .string("null"), "empty": .string(""),
                    "zeros": .string("007"), "formula": .string("=HYPERLINK(\"http://evil\")"), "plus": .string("+1"),
                    "at": .string("@SUM(A1)"), "minus": .string("-2+3"), "negative": .int(-5), "ratio": .double(1.5),
                    "flag": .bool(false), "list": .array([.int(1), .string("a")]),
                    "blank": .object([:]), "template": .string("{{ name }}"), "clear": .string("\\N"),
                    "spaced": .string("  5"), "quoted": .string("\"q\""), "dotted.key": .string("d"),
                    "nested": .object(["deep": .object(["x": .string("Zürich, \"HQ\"\nline 2")])]),
                    "apiToken": .string("tok_do_not_export"),
                ],
                integrationCredentialsId: "33333333-aaaa-4aaa-8aaa-333333333333",
                name: "=cmd|' /C calc'!A0, \"quoted\", über\nsecond line"),
            SandboxConfig(
                id: plain, version: 1, entityType: "Bill", destination: "Stripe",
                configData: ["accountId": .string("acct_1"), "apiSecret": .string("sk_do_not_export")], name: nil),
        ]

        func withOrg(_ body: (SandboxServer, URL) async throws -> Void) async throws {
            try await withSandbox(SandboxOptions(seedConfigs: 40, seed: 51)) { sandbox in
                for config in Self.configs { await sandbox.insert(config) }
                try await body(sandbox, try TestSupport.temporaryDirectory())
            }
        }

        @Test(
            "the unedited export plans as all unchanged, no warnings, nothing to send",
            arguments: ["csv", "json", "jsonl"])
        func roundTrip(format: String) async throws {
            try await withOrg { sandbox, dir in
                let export = try await CLIRunner.run(
                    ["export", "--out", "org.\(format)"], environment: sandbox.cliEnvironment, directory: dir)
                #expect(export.status == 0, "\(export.stderr)")
                #expect(export.stderr == "42 configs exported to org.\(format)\n")
                let text = try String(contentsOf: dir.appendingPathComponent("org.\(format)"), encoding: .utf8)
                for secret in ["tok_do_not_export", "sk_do_not_export"] { #expect(!text.contains(secret)) }
                let plan = try await CLIRunner.run(
                    ["plan", "org.\(format)"], environment: sandbox.cliEnvironment, directory: dir)
                #expect(plan.status == 0, "\(plan.stderr)")
                #expect(plan.stderr.isEmpty, "warnings: \(plan.stderr)")
                #expect(plan.stdout.contains("42 configs targeted: 0 update, 0 enable-only, 42 unchanged; 0 requests"))
                #expect(await sandbox.stats().totalWrites == 0)
            }
        }

        @Test("no CSV cell starts like a spreadsheet formula (a negative number is a number)")
        func noFormulas() async throws {
            try await withOrg { sandbox, dir in
                let export = try await CLIRunner.run(["export"], environment: sandbox.cliEnvironment, directory: dir)
                #expect(export.status == 0)
                var reader = CSVCells(Array(export.stdout.utf8))
                var cells = 0
                while let cell = reader.next() {
                    cells += 1
                    guard let first = cell.first else { continue }
                    #expect(!"=+@\t\r".contains(first), "cell \(cell.debugDescription) starts like a formula")
                    if first == "-" { #expect(Double(cell) != nil, "cell \(cell.debugDescription)") }
                }
                #expect(cells > 500)
            }
        }

        @Test("cells edited in the export change exactly those fields of those configs, once each")
        func editedCells() async throws {
            try await withOrg { sandbox, dir in
                let export = try await CLIRunner.run(
                    ["export", "--out", "org.csv"], environment: sandbox.cliEnvironment, directory: dir)
                #expect(export.status == 0)
                let before = Dictionary(uniqueKeysWithValues: await sandbox.configs().map { ($0.id, $0) })
                let url = dir.appendingPathComponent("org.csv")
                var text = try String(contentsOf: url, encoding: .utf8)
                // One cell of each of the two inserted configs, as a spreadsheet user would edit them.
                text = text.replacingOccurrences(of: ",\"\"\"100\"\"\",", with: ",\"\"\"101\"\"\",")
                text = text.replacingOccurrences(of: ",acct_1,", with: ",acct_2,")
                try Data(text.utf8).write(to: url)
                let apply = try await CLIRunner.run(
                    ["apply", "org.csv", "--yes", "--quiet"], environment: sandbox.cliEnvironment, directory: dir)
                #expect(apply.status == 0, "\(apply.stdout)\n\(apply.stderr)")
                let stats = await sandbox.stats()
                #expect(stats.writesById == [Self.tricky: 1, Self.plain: 1])
                var expectedTricky = try #require(before[Self.tricky])
                expectedTricky.configData["hundred"] = .string("101")
                var expectedPlain = try #require(before[Self.plain])
                expectedPlain.configData["accountId"] = .string("acct_2")
                let after = Dictionary(uniqueKeysWithValues: await sandbox.configs().map { ($0.id, $0) })
                #expect(after[Self.tricky]?.configData == expectedTricky.configData)
                #expect(after[Self.tricky]?.name == expectedTricky.name)
                #expect(after[Self.plain]?.configData == expectedPlain.configData)
                for (id, config) in before where id != Self.tricky && id != Self.plain { #expect(after[id] == config) }
            }
        }

        @Test("--match exports only the selected configs, and a config changed after the export is a conflict")
        func matchAndConflict() async throws {
            try await withOrg { sandbox, dir in
                let export = try await CLIRunner.run(
                    ["export", "--match", "destination=Stripe", "--format", "jsonl", "--out", "stripe.jsonl"],
                    environment: sandbox.cliEnvironment, directory: dir)
                #expect(export.status == 0, "\(export.stderr)")
                let lines = try String(contentsOf: dir.appendingPathComponent("stripe.jsonl"), encoding: .utf8)
                    .split(separator: "\n")
                let stripe = await sandbox.configs().filter { $0.destination == "Stripe" }
                #expect(lines.count == stripe.count)
                // Someone renames a config after the export; applying the export must not undo it.
                let named = try #require(stripe.first { $0.name != nil })
                await sandbox.mutate(id: named.id) { $0.name = "Renamed meanwhile" }
                let apply = try await CLIRunner.run(
                    ["apply", "stripe.jsonl", "--yes", "--quiet", "--run-dir", "run"],
                    environment: sandbox.cliEnvironment, directory: dir)
                #expect(apply.status == 1, "\(apply.stdout)\n\(apply.stderr)")
                #expect(await sandbox.config(id: named.id)?.name == "Renamed meanwhile")
                #expect(await sandbox.stats().totalWrites == 0)
                #expect(try RunFiles.statuses(dir.appendingPathComponent("run"))[named.id] == "conflict")
            }
        }
    }
}

/// The cells of a CSV text, unquoted (a small RFC 4180 reader for the test).
private struct CSVCells {
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func next() -> String? {
        guard offset < bytes.count else { return nil }
        var cell: [UInt8] = []
        if bytes[offset] == UInt8(ascii: "\"") {
            offset += 1
            while offset < bytes.count {
                if bytes[offset] == UInt8(ascii: "\"") {
                    if offset + 1 < bytes.count, bytes[offset + 1] == UInt8(ascii: "\"") {
                        cell.append(UInt8(ascii: "\""))
                        offset += 2
                        continue
                    }
                    offset += 1
                    break
                }
                cell.append(bytes[offset])
                offset += 1
            }
        } else {
            while offset < bytes.count, ![UInt8(ascii: ","), 0x0D, 0x0A].contains(bytes[offset]) {
                cell.append(bytes[offset])
                offset += 1
            }
        }
        if offset < bytes.count, bytes[offset] == 0x0D { offset += 1 }
        if offset < bytes.count, [UInt8(ascii: ","), 0x0A].contains(bytes[offset]) { offset += 1 }
        return String(decoding: cell, as: UTF8.self)
    }
}
