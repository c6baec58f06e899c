import Foundation
import Planner

// The benchmark harness: `swift run -c release Benchmarks <suite> [options]`.
// Each suite lives in its own file and prints its figures; docs/BENCHMARKS.md records them.
let arguments = Array(CommandLine.arguments.dropFirst())
let suites: [String: ([String]) async throws -> Void] = [
    "planner": PlannerBenchmark.run,
    "sandbox": SandboxBenchmark.run,
    "engine": EngineBenchmark.run,
    "journal": JournalBenchmark.run,
    "export": ExportBenchmark.run,
]
guard let name = arguments.first, let suite = suites[name] else {
    print("usage: Benchmarks <\(suites.keys.sorted().joined(separator: "|"))> [options]")
    exit(64)
}
try await suite(Array(arguments.dropFirst()))
