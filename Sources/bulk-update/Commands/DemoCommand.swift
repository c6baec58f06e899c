import ArgumentParser
import BulkUpdate
import Foundation
import Planner
import Sandbox

/// `bulk-update demo`: the zero-setup tour against the built-in sandbox.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "A guided run against the built-in sandbox: no network, no credentials, under a minute.",
        discussion: """
            Starts the m3ter API sandbox in this process with a 240-config demo org, shows the dry \
            run of samples/rotate-credentials.csv, applies it with the progress line, then migrates \
            webhooks to a new destination and host in two waves with a canary, each URL keeping its path \
            (a templated value: samples/migrate-webhooks.json), \
            and prints where the reports, undo and journal files are. Everything it writes goes to \
            runs/demo-<UTC timestamp>/.

            Example:
              swift run bulk-update demo
            """
    )

    @Option(help: "The folder holding the sample change lists (default: ./samples, else the package's).")
    var samples: String?

    @Option(help: "Added latency per request in the sandbox, in milliseconds (makes the progress visible).")
    var latencyMs = 15

    @Flag(help: "No progress line.")
    var quiet = false

    func run() async throws {
        let folder = try samplesFolder()
        var faults = SandboxFaults()
        faults.latencyMs = latencyMs
        let options = SandboxOptions(seedConfigs: 240, seed: 2026, faults: faults)
        let base = URL(fileURLWithPath: "runs").appendingPathComponent("demo-" + RunDirectory.timestampName(Date()))
        try await withSandbox(options) { sandbox in
            print(
                """
                bulk-update demo: a local m3ter API sandbox, no network and no credentials needed.

                ▸ Sandbox on \(sandbox.baseURL.absoluteString): org \(sandbox.orgId), 240 configs, \
                rate limit \(faults.rateLimit)/s, \(latencyMs) ms latency per request.
                """)
            let settings = try ConnectionSettings(baseURL: sandbox.baseURL.absoluteString, orgId: sandbox.orgId)
            let credentials = Credentials(apiKey: sandbox.apiKey, apiSecret: sandbox.apiSecret)
            // One client per step, so each run's report counts its own requests.
            var client = M3terClient.live(settings: settings, credentials: credentials, rate: 40, concurrency: 16)
            var run = try RunOptions.parse(quiet ? ["--quiet"] : [])
            run.rate = 40

            let rotation = folder.appendingPathComponent("rotate-credentials.csv")
            print("\n▸ Step 1: dry run of samples/rotate-credentials.csv (reads the org, writes nothing)\n")
            let live = try await client.readOrg()
            let rotationPlan = try ApplyFlow.plan(
                try read(rotation), live: live, client: client, requireMatch: true)
            print(
                RunLauncher.preview(rotationPlan, items: 4, seeAll: "bulk-update plan samples/rotate-credentials.csv"))
            print("▸ Step 2: apply it (40 requests/s, 16 in flight, every outcome journaled)\n")
            let first = try await ApplyFlow.execute(
                rotationPlan, items: nil, live: live, client: client, runDir: base.appendingPathComponent("rotation"),
                options: run, inputFile: "samples/rotate-credentials.csv")

            let migration = folder.appendingPathComponent("migrate-webhooks.json")
            print("\n▸ Step 3: migrate webhooks to a new destination in two waves, canary first\n")
            client = M3terClient.live(settings: settings, credentials: credentials, rate: 40, concurrency: 16)
            let liveAgain = try await client.readOrg()
            let migrationPlan = try ApplyFlow.plan(
                try read(migration), live: liveAgain, client: client, requireMatch: true)
            print(
                RunLauncher.preview(migrationPlan, items: 2, seeAll: "bulk-update plan samples/migrate-webhooks.json"))
            run.canary = 2
            let second = try await ApplyFlow.execute(
                migrationPlan, items: nil, live: liveAgain, client: client,
                runDir: base.appendingPathComponent("migration"), options: run,
                inputFile: "samples/migrate-webhooks.json")

            print(
                """

                ▸ Done. Everything is in \(base.path)/ (one run directory per step):
                  report.html  open it in a browser: summary, timeline, per-config table with a filter
                  report.md    for a review ticket;  report.json / report.csv for machines and spreadsheets
                  journal.jsonl  every outcome, fsync'd: 'bulk-update resume DIR' finishes a killed run
                  undo.csv     restores what changed:  bulk-update apply \(base.path)/rotation/undo.csv

                Try it on your own org: export M3TER_ORG_ID, M3TER_API_KEY and M3TER_API_SECRET, then
                  bulk-update plan samples/rotate-credentials.csv
                """)
            if first.rawValue != 0 || second.rawValue != 0 { throw Exit.problems }
        }
    }

    private func read(_ url: URL) throws -> ChangeList {
        let list = try PlannerCommandSupport.readChanges(url.path, format: nil)
        if list.hasErrors {
            PlannerCommandSupport.printDiagnostics(list.diagnostics)
            throw Exit.invalid
        }
        return list
    }

    /// The samples folder: --samples, ./samples, or the package's own (next to the built binary).
    private func samplesFolder() throws -> URL {
        var candidates: [URL] = []
        if let samples { candidates.append(URL(fileURLWithPath: samples)) }
        candidates.append(URL(fileURLWithPath: "samples"))
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        for _ in 0..<5 {
            directory = directory.deletingLastPathComponent()
            candidates.append(directory.appendingPathComponent("samples"))
        }
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(package.appendingPathComponent("samples"))
        for candidate in candidates
        where FileManager.default.fileExists(atPath: candidate.appendingPathComponent("rotate-credentials.csv").path) {
            return candidate
        }
        Terminal.errorLine(
            "error: samples/rotate-credentials.csv not found; run the demo from the package folder or pass --samples DIR"
        )
        throw Exit.invalid
    }
}
