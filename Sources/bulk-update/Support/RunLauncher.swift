import ArgumentParser
import BulkUpdate
import Foundation
import Planner

/// Runs a session with the signal trap and the progress line, then prints the outcome.
enum RunLauncher {
    /// Runs `configuration` against `client` and returns the exit code DESIGN.md gives the result.
    static func run(
        _ configuration: RunSession.Configuration, client: M3terClient, live: [String: IntegrationConfig]?,
        quiet: Bool, resumeHint: String
    ) async throws -> ExitCode {
        let stop = StopSignal()
        let trap = SignalTrap(stop: stop) { number in
            let name = number == SIGINT ? "SIGINT" : "SIGTERM"
            Terminal.errorLine(
                "\n\(name): no new requests; letting the ones in flight finish (up to 30 s). Again to exit at once.")
        }
        defer { trap.cancel() }
        let session = RunSession(
            api: client, configuration: configuration,
            stats: { _ in await client.metrics.snapshot(startedAt: client.metrics.startedAt) },
            rateControl: RateControl(limiter: client.limiter))
        await client.metrics.beginRun()
        let (events, continuation) = AsyncStream.makeStream(of: ExecutionEvent.self)
        async let display: Void = ProgressDisplay.run(
            events: events, quiet: quiet, status: { await client.progressStatus() })
        let result: RunSession.Result
        do {
            result = try await session.run(live: live, stop: stop, events: continuation)
        } catch let error as APIError {
            continuation.finish()
            await display
            Terminal.errorLine("error: could not read the org's configs: \(error)")
            throw Exit.unreachable
        } catch {
            continuation.finish()
            await display
            Terminal.errorLine("error: \(error)")
            throw Exit.problems
        }
        await display
        printOutcome(result, runDirectory: configuration.runDirectory, resumeHint: resumeHint)
        return ExitCode(result.exitCode)
    }

    /// The closing lines: counts, figures, where the reports are, and what to run next.
    static func printOutcome(_ result: RunSession.Result, runDirectory: RunDirectory, resumeHint: String) {
        let summary = result.report.summary
        let counts = summary.counts
        var lines: [String] = []
        let parts = [
            ("applied", counts.applied), ("enabled", counts.enabled), ("unchanged", counts.unchanged),
            ("conflict", counts.conflict), ("failed", counts.failed), ("skipped", counts.skipped),
            ("not attempted", counts.notAttempted),
        ]
        lines.append(parts.map { "\($0.0) \($0.1)" }.joined(separator: " · "))
        var figures = [String(format: "%.1f s", summary.durationSeconds)]
        if let requests = summary.requests { figures.append("\(requests) requests") }
        if let rate = summary.requestRate { figures.append(String(format: "%.1f req/s", rate)) }
        if let retries = summary.retries { figures.append("\(retries) retries") }
        if let throttled = summary.throttled { figures.append("\(throttled) × 429") }
        if result.alreadyDone > 0 { figures.append("\(result.alreadyDone) done by an earlier run") }
        lines.append(figures.joined(separator: " · "))
        for problem in result.report.problems.prefix(20) {
            lines.append("  \(problem.status.rawValue): \(problem.id) \(problem.message ?? "")")
        }
        if result.report.problems.count > 20 {
            lines.append("  … and \(result.report.problems.count - 20) more (see the report)")
        }
        for issue in result.verificationIssues { lines.append("  verification: \(issue)") }
        let dir = runDirectory.url.path
        lines.append("Reports:  \(dir)/report.md  report.html  report.json  report.csv")
        if result.undo.rows > 0 {
            lines.append(
                "Undo:     bulk-update apply \(dir)/\(RunDirectory.FileName.undo)   (\(result.undo.rows) configs)")
        }
        if !result.undo.withheld.isEmpty {
            lines.append("          (\(result.undo.withheld.count) secret fields cannot be restored by undo.csv)")
        }
        if result.failed.rows > 0 {
            lines.append(
                "Retry:    bulk-update apply \(dir)/\(RunDirectory.FileName.failed)   (\(result.failed.rows) items)")
        }
        if result.stopReason == .credentialsRejected {
            lines.append(
                "Stopped: the API refused the credentials mid-run (the API token expired or was revoked); "
                    + "no more requests were sent and the items left are not attempted.")
            lines.append(
                "Export a new M3TER_API_TOKEN, or M3TER_API_KEY and M3TER_API_SECRET, and resume with:")
            lines.append("  \(resumeHint)")
        } else if let reason = result.stopReason {
            lines.append("Stopped early (\(reason.rawValue)). Resume with:")
            lines.append("  \(resumeHint)")
        }
        print(lines.joined(separator: "\n"))
    }

    /// Asks for confirmation unless `--yes`; without a terminal and without `--yes`, refuses (exit 2).
    static func confirm(yes: Bool, summary: String) throws {
        if yes { return }
        guard Terminal.stdinIsTTY else {
            Terminal.errorLine(
                "error: not applying without confirmation: pass --yes (no terminal to ask on); nothing was sent")
            throw Exit.invalid
        }
        guard Terminal.confirm("Apply \(summary)?") else {
            Terminal.errorLine("not applied; nothing was sent")
            throw Exit.invalid
        }
    }

    /// The plan as `plan` shows it, cut after its first `items` changing configs, with a count of
    /// the rest and the command that shows them all.
    static func preview(_ plan: Plan, items: Int, seeAll: String) -> String {
        let lines = PlanRenderer.text(plan).split(separator: "\n", omittingEmptySubsequences: false)
        let starts = lines.indices.filter { lines[$0].hasPrefix("update ") || lines[$0].hasPrefix("enable-only ") }
        guard starts.count > items else { return lines.joined(separator: "\n") }
        let rest = starts.count - items
        return lines[..<starts[items]].joined(separator: "\n")
            + "… and \(rest) more config\(rest == 1 ? "" : "s") to change: \(seeAll) shows them all\n"
    }

    /// One line for a plan: `37 updates, 2 enables, 5 unchanged, 1 warning`.
    static func planSummary(_ plan: Plan) -> String {
        let summary = PlanRenderer.Summary(plan)
        var parts = ["\(summary.update) update\(summary.update == 1 ? "" : "s")"]
        if summary.enableOnly > 0 { parts.append("\(summary.enableOnly) enable-only") }
        parts.append("\(summary.unchanged) unchanged")
        if summary.waves.count > 1 { parts.append("\(summary.waves.count) waves") }
        return parts.joined(separator: ", ") + " (\(plan.items.count) configs)"
    }
}
