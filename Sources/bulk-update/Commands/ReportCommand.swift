import ArgumentParser
import BulkUpdate
import Foundation
import Planner

extension ReportFormat: ExpressibleByArgument {}

/// `bulk-update report RUN_DIR`: prints a run's report.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Print the report of a run (Markdown, JSON, CSV or HTML).",
        discussion: """
            Reads the run directory's report.json (written at the end of every run, stopped runs \
            included). For a run that was killed before it could write one, the report is rebuilt \
            from plan.json and the journal (without request figures). Nothing is sent to the API.

            Examples:
              bulk-update report runs/20261129T101500Z
              bulk-update report runs/20261129T101500Z --format html > report.html
            """
    )

    @Argument(help: "The run directory.", completion: .directory)
    var runDir: String

    @Option(help: "markdown, json, csv or html.")
    var format: ReportFormat = .markdown

    func run() async throws {
        let report: Report
        do {
            let directory = try RunDirectory.open(URL(fileURLWithPath: runDir))
            let saved = directory.reportURL(.json)
            if FileManager.default.fileExists(atPath: saved.path) {
                report = try ReportJSON.decoder().decode(Report.self, from: Data(contentsOf: saved))
            } else {
                let journal = try JournalReader.read(
                    directory.journalURL, expectedFingerprint: directory.plan.fingerprint)
                report = Report.build(
                    plan: directory.plan, outcomes: journal.outcomes, stats: nil,
                    meta: ReportMeta(
                        toolVersion: BulkUpdateVersion.current, runDirectory: directory.url.path,
                        startedAt: journal.headers.first?.startedAt ?? Date()),
                    rateChanges: journal.rateChanges)
            }
        } catch {
            Terminal.errorLine("error: \(error)")
            throw Exit.invalid
        }
        FileHandle.standardOutput.write(format.render(report))
    }
}
