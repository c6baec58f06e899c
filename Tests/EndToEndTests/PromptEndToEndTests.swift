import Foundation
import Sandbox
import TestSupport
import Testing

extension EndToEnd {
    /// What `apply` shows before it asks, with the real binary against the sandbox.
    @Suite("apply's confirmation, end to end")
    struct PromptEndToEndTests {
        @Test("apply shows the plan's summary and first diffs, the count of the rest and how to see them all")
        func preview() async throws {
            try await withSandbox(SandboxOptions(seedConfigs: 30, seed: 61)) { sandbox in
                let dir = try TestSupport.temporaryDirectory()
                let configs = await sandbox.configs()
                let rows = configs.map { "\($0.id),renamed \($0.id.prefix(4))" }.joined(separator: "\n")
                _ = try TestSupport.write("id,name\n\(rows)\n", to: "changes.csv", in: dir)
                let result = try await CLIRunner.run(
                    ["apply", "changes.csv", "--yes", "--quiet", "--run-dir", "run"],
                    environment: sandbox.cliEnvironment,
                    directory: dir)
                #expect(result.status == 0, "\(result.stderr)")
                let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                #expect(lines.first == "Plan for changes.csv (30 rows) in org \(sandbox.orgId)")
                #expect(
                    lines.contains("  30 configs targeted: 30 update, 0 enable-only, 0 unchanged; 30 requests to send"))
                let shown = lines.filter { $0.hasPrefix("update ") }
                #expect(shown.count == 5)
                #expect(lines.filter { $0.hasPrefix("    name: ") }.count == 5)
                #expect(lines.contains("… and 25 more configs to change: bulk-update plan changes.csv shows them all"))
                #expect(lines.contains("Plan: 30 updates, 0 unchanged (30 configs)"))
            }
        }
    }
}
