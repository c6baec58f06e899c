import ArgumentParser
import BulkUpdate
import Foundation
import Planner

/// `bulk-update resume RUN_DIR`: finishes a stopped, killed or interrupted run.
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Finish a run that was stopped, killed or interrupted, without doubling or losing a write.",
        discussion: """
            Uses the run directory's own plan.json and journal. Items with a final record are \
            skipped; every other item is re-read from the API before anything is sent: if it already \
            holds the planned values it is recorded as applied (reconciled); if it is unchanged at the \
            planned version it is sent; otherwise the conflict rule decides. Resuming a finished run \
            changes nothing and exits 0. The original run's options are kept unless given again.

            Examples:
              bulk-update resume runs/20261129T101500Z
              bulk-update resume runs/20261129T101500Z --rate 20
            """
    )

    @Argument(help: "The run directory to resume.", completion: .directory)
    var runDir: String

    @Option(
        name: .customLong("changes"),
        help: "The change list the plan was made from, when it sets secret values.")
    var changes: String?

    @OptionGroup var run: RunOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let directory: RunDirectory
        let journal: JournalContents?
        do {
            directory = try RunDirectory.open(URL(fileURLWithPath: runDir), locking: true)
            let journalURL = directory.journalURL
            journal =
                FileManager.default.fileExists(atPath: journalURL.path)
                ? try JournalReader.read(journalURL, expectedFingerprint: directory.plan.fingerprint) : nil
        } catch {
            Terminal.errorLine("error: \(error)")
            throw Exit.invalid
        }
        let recorded = journal?.headers.first?.options ?? [:]
        let options = run.filled(from: recorded, journaledRate: journal?.lastRunningRate)
        Terminal.errorLine(Self.rateLine(options.effectiveRate, given: run.rate != nil, journal: journal))
        if let warning = RateLimiter.warning(forRate: options.effectiveRate) {
            Terminal.errorLine("warning: \(warning)")
        }
        let items = try PlanSecrets.items(
            of: directory.plan, changes: changes, remaining: { journal?.isFinished($0) != true })
        let client = try connection.makeClient(rate: options.effectiveRate, concurrency: options.effectiveConcurrency)
        if let org = directory.plan.org, org != client.settings.orgId {
            Terminal.errorLine("error: this run is for org \(org), not \(client.settings.orgId); nothing was sent")
            throw Exit.invalid
        }
        do {
            try await client.authenticate()
        } catch {
            Terminal.errorLine(
                "error: could not authenticate against \(client.settings.baseURL.absoluteString): \(error)")
            throw Exit.unreachable
        }
        var recordedOptions = recorded
        recordedOptions.merge(run.recorded) { _, new in new }
        // The rate this run starts at, so that the journal shows it (and a later resume starts there).
        recordedOptions["rate"] = String(options.effectiveRate)
        let configuration = RunSession.Configuration(
            runDirectory: directory, items: items, options: options.execution, verify: !options.noVerify,
            resumed: true, recordedOptions: recordedOptions, toolVersion: BulkUpdateVersion.current)
        throw try await RunLauncher.run(
            configuration, client: client, live: nil, quiet: options.quiet,
            resumeHint: "bulk-update resume \(directory.url.path)")
    }

    /// `resuming at 30 req/s: the rate the run was last at (journal.jsonl)`, and where the rate came from.
    static func rateLine(_ rate: Double, given: Bool, journal: JournalContents?) -> String {
        let start = "resuming at \(RateChange.label(rate))"
        if given { return start + " (--rate)" }
        guard journal?.lastRunningRate != nil else { return start + " (the default rate)" }
        if journal?.lastRate == 0 {
            return start + ": the rate before the run was paused (journal.jsonl); a pause is not carried over"
        }
        return start + ": the rate the run was last at (journal.jsonl)"
    }
}
