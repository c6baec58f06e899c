import ArgumentParser
import BulkUpdate
import Foundation
import Planner

/// `bulk-update plan CHANGES --snapshot STATE.json`: computes a reviewable plan.
struct PlanCommand: AsyncParsableCommand {
    /// How the plan is shown on standard output.
    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, markdown, json, html
    }

    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show exactly what a change list would change, without changing anything.",
        discussion: """
            Resolves every row against the org's configs, merges the rows that hit one config, and \
            prints the plan: a summary (counts by status) and, per config, each changed field \
            'from → to'. Secret values are never shown. With --out the plan is also saved, to be \
            applied later exactly as reviewed ('apply --plan').

            The org's state is read from the API with a list sweep (M3TER_BASE_URL, M3TER_ORG_ID and \
            M3TER_API_KEY/M3TER_API_SECRET or M3TER_API_TOKEN); nothing is written. Offline, it \
            comes from --snapshot: a JSON list of configs or a list response {"data": [...]}.

            Exit status: 0 when the plan is valid, 2 when the change list has errors, 4 when the API \
            cannot be reached or refuses the credentials (nothing \
            is written).

            Examples:
              bulk-update plan changes.csv
              bulk-update plan changes.csv --snapshot state.json
              bulk-update plan changes.csv --snapshot state.json --format markdown --out plan.json > plan.md
              bulk-update plan changes.csv --format html > plan.html
            """
    )

    @Argument(help: "The change list (.csv, .json or .jsonl).", completion: .file())
    var changes: String

    @Option(help: "A saved state of the org's configs to plan against (JSON list or {\"data\": [...]}).")
    var snapshot: String?

    @Option(help: "Also write the plan file here (JSON, mode 0600), for 'apply --plan'.")
    var out: String?

    @Option(help: "How to print the plan: text, markdown, json or html (one self-contained page).")
    var format: OutputFormat = .text

    @Flag(help: "A selector that matches no config is an error instead of a warning.")
    var requireMatch = false

    @Option(
        name: .customLong("input-format"),
        help: "The change-list syntax when the extension does not tell (csv, json, jsonl).")
    var inputFormat: ChangeListFormat?

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        // A saved snapshot is read while the change list is (each on a core of its own).
        async let saved = Result { try snapshot.map(Self.readSnapshot) }
        let list = try PlannerCommandSupport.readChanges(changes, format: inputFormat)
        if list.hasErrors {
            PlannerCommandSupport.printDiagnostics(Validator.validate(list))
            _ = await saved  // a snapshot that cannot be read is reported too
            throw ExitCode(2)
        }
        let state: State
        if let read = try await saved.get() {
            state = read
        } else {
            state = try await loadSnapshot()
        }
        let result = PlanBuilder.build(
            changes: list, snapshot: state.snapshot, options: PlanOptions(requireMatch: requireMatch), org: state.org,
            baseURL: state.baseURL)
        PlannerCommandSupport.printDiagnostics(result.diagnostics)
        if result.hasErrors { throw ExitCode(2) }
        let plan = result.plan
        let output = FileHandle.standardOutput
        switch format {
        case .text: PlanRenderer.writeText(plan) { output.write(Data($0.utf8)) }
        case .markdown: PlanRenderer.writeMarkdown(plan) { output.write(Data($0.utf8)) }
        case .json: PlanFile.write(plan) { output.write(Data($0)) }
        case .html: output.write(Data(PlanHTML.render(plan).utf8))
        }
        if let out {
            do {
                try PlanFile.write(plan, to: URL(fileURLWithPath: out))
            } catch {
                PlannerCommandSupport.standardError("error: \(error)\n")
                throw ExitCode(1)
            }
            PlannerCommandSupport.standardError("plan written to \(out)\n")
        }
    }

    /// The org's state to plan against, with where it came from.
    struct State: Sendable {
        var snapshot: Snapshot
        var org: String?
        var baseURL: String?
    }

    /// Loads the live org's state by one list sweep (read-only: nothing is written).
    func loadSnapshot() async throws -> State {
        let client = try connection.makeClient(rate: RateLimiter.defaultRate, concurrency: 4)
        let configs = try await client.readOrg()
        return State(
            snapshot: Snapshot(configs: configs), org: client.settings.orgId,
            baseURL: client.settings.baseURL.absoluteString)
    }

    /// Reads a saved snapshot (exit 2 when it is not one).
    static func readSnapshot(_ path: String) throws -> State {
        do {
            return State(snapshot: try Snapshot.read(url: URL(fileURLWithPath: path), displayName: path))
        } catch {
            PlannerCommandSupport.standardError("error: \(error)\n")
            throw ExitCode(2)
        }
    }
}
