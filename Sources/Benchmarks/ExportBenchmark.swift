import BulkUpdate
import Foundation
import Planner
import Sandbox

/// The export benchmark: `bulk-update export` of an org of N configs (default 100,000) from the
/// sandbox at m3ter's limit (50 requests/s, the client at its default 40/s): the list sweep's time
/// next to the export's own work (rendering the CSV, JSON Lines and JSON).
///
/// `swift run -c release Benchmarks export [--configs N]`
enum ExportBenchmark {
    static func run(_ arguments: [String]) async throws {
        var count = 100_000
        if let index = arguments.firstIndex(of: "--configs"), index + 1 < arguments.count {
            count = Int(arguments[index + 1]) ?? count
        }
        PlannerBenchmark.say("export benchmark: \(count) configs, sandbox at 50 requests/s, client at 40/s")
        try await withSandbox(SandboxOptions(seedConfigs: count, seed: 2026)) { sandbox in
            let client = M3terClient.live(
                settings: try ConnectionSettings(baseURL: sandbox.baseURL.absoluteString, orgId: sandbox.orgId),
                credentials: Credentials(apiKey: sandbox.apiKey, apiSecret: sandbox.apiSecret))
            var clock = PlannerBenchmark.Stopwatch()
            try await client.authenticate()
            let configs = try await client.listConfigs(destinationId: nil)
            let sweep = clock.lap()
            let requests = await sandbox.stats().totalRequests
            PlannerBenchmark.say(
                String(
                    format: "  list sweep         %7.3f s  (%d requests, %d configs)", sweep, requests, configs.count))
            for format in ChangeListExport.Format.allCases {
                _ = clock.lap()
                let text = ChangeListExport.render(configs, format: format)
                let seconds = clock.lap()
                PlannerBenchmark.say(
                    String(
                        format: "  render %-5@       %7.3f s  (CPU %.3f s, %d MB, %.1f %% of the sweep)",
                        format.rawValue,
                        seconds, clock.lapCPU, text.utf8.count / 1_000_000, seconds / sweep * 100))
            }
            PlannerBenchmark.say("  peak RSS           \(PlannerBenchmark.peakRSS())")
        }
    }
}
