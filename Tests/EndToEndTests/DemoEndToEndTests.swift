import Foundation
import TestSupport
import Testing

extension EndToEnd {
    @Suite("demo, end to end")
    struct DemoEndToEndTests {
        @Test("the demo runs with no setup, applies both samples and leaves the reports behind")
        func demo() async throws {
            let work = try TestSupport.temporaryDirectory()
            let samples = CLIRunner.packageRoot().appendingPathComponent("samples")
            let result = try await CLIRunner.run(["demo", "--samples", samples.path, "--quiet"], directory: work)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("Step 1: dry run"))
            #expect(result.stdout.contains("applied 39 · enabled 0 · unchanged 0 · conflict 0 · failed 0"))
            #expect(result.stdout.contains("applied 34 · enabled 0 · unchanged 0 · conflict 0 · failed 0"))
            let files = TestSupport.files(under: work.appendingPathComponent("runs")).map(\.lastPathComponent)
            for name in [
                "plan.json", "journal.jsonl", "report.html", "report.md", "report.json", "report.csv", "undo.csv",
            ] {
                #expect(files.filter { $0 == name }.count == 2, "\(name)")
            }
        }
    }
}
