import BulkUpdate
import Foundation
import Planner
import Sandbox

/// The engine benchmark: apply N updates against the sandbox with latency, its rate limit equal
/// to `--rate`, and measure the achieved request rate, requests per updated config and 429s.
///
/// `swift run -c release Benchmarks engine [--configs 10000] [--rate 40] [--latency-ms 20] [--concurrency 16]`
enum EngineBenchmark {
    static func run(_ arguments: [String]) async throws {
        var configs = 10_000
        var rate = 40.0
        var latency = 20
        var concurrency = 16
        var index = 0
        while index + 1 < arguments.count {
            let value = arguments[index + 1]
            switch arguments[index] {
            case "--configs": configs = Int(value) ?? configs
            case "--rate": rate = Double(value) ?? rate
            case "--latency-ms": latency = Int(value) ?? latency
            case "--concurrency": concurrency = Int(value) ?? concurrency
            default:
                print("usage: Benchmarks engine [--configs N] [--rate R] [--latency-ms L] [--concurrency C]")
                exit(64)
            }
            index += 2
        }
        var faults = SandboxFaults()
        faults.latencyMs = latency
        faults.rateLimit = Int(rate.rounded(.down))
        let options = SandboxOptions(seedConfigs: configs, seed: 1, faults: faults)
        print(
            "engine benchmark: \(configs) updates, --rate \(rate), sandbox rate limit \(faults.rateLimit)/s, "
                + "\(latency) ms latency, concurrency \(concurrency)")
        try await withSandbox(options) { sandbox in
            let client = M3terClient.live(
                settings: try ConnectionSettings(baseURL: sandbox.baseURL.absoluteString, orgId: sandbox.orgId),
                credentials: Credentials(apiKey: sandbox.apiKey, apiSecret: sandbox.apiSecret), rate: rate,
                concurrency: concurrency)
            let live = try await client.listConfigs(destinationId: nil)
            let rows = live.map { "\($0.id),\(UUID().uuidString.lowercased())" }.joined(separator: "\n")
            let list = ChangeListReader.read(
                data: Data("id,integrationCredentialsId\n\(rows)\n".utf8), file: "bench.csv", format: .csv)
            let plan = PlanBuilder.build(changes: list, snapshot: Snapshot(configs: live)).plan
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("engine-bench-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            let run = try RunDirectory.create(at: directory, plan: plan, now: Date())
            let before = await sandbox.stats()
            let session = RunSession(
                api: client,
                configuration: RunSession.Configuration(
                    runDirectory: run, options: ExecutionOptions(concurrency: concurrency), verify: false,
                    resumed: false, toolVersion: BulkUpdateVersion.current))
            let start = ContinuousClock.now
            let result = try await session.run(
                live: Dictionary(uniqueKeysWithValues: live.map { ($0.id, $0) }), stop: StopSignal(), events: nil)
            let seconds = (ContinuousClock.now - start).seconds
            let after = await sandbox.stats()
            let requests = after.totalRequests - before.totalRequests
            let tokens = after.tokenRequests - before.tokenRequests
            let throttled = after.throttled - before.throttled
            let updated = result.report.summary.counts.applied
            let achieved = Double(requests) / seconds
            print(String(format: "  applied                 %d of %d in %.1f s", updated, configs, seconds))
            print(String(format: "  requests                %d (%d token, %d × 429)", requests, tokens, throttled))
            print(String(format: "  achieved rate           %.2f req/s = %.3f of --rate", achieved, achieved / rate))
            print(
                String(
                    format: "  requests per update     %.4f (%.4f without token calls)",
                    Double(requests) / Double(max(updated, 1)), Double(requests - tokens) / Double(max(updated, 1))))
            print(
                String(
                    format: "  429s                    %.3f %% of requests",
                    Double(throttled) * 100 / Double(max(requests, 1))))
            print("  peak in flight at the sandbox \(after.peakConcurrent)")
        }
    }
}
