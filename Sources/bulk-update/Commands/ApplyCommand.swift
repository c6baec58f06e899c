import ArgumentParser
import BulkUpdate
import Foundation
import Planner

/// `bulk-update apply CHANGES | --plan PLAN.json`: applies a change list or a reviewed plan.
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Apply a change list (or a reviewed plan) to the org's IntegrationConfigs.",
        discussion: """
            Reads the org's configs with a list sweep, plans the change list against them, shows the \
            summary and asks for confirmation (--yes skips the question; without a terminal --yes is \
            required). Then it applies the plan under one rate limiter with bounded concurrency, \
            journals every outcome (fsync'd) in the run directory, verifies the result with a second \
            sweep, and writes report.md/.html/.json/.csv, undo.csv and failed.csv there.

            With --plan, exactly that plan is applied; a config whose version moved since planning \
            goes through the conflict rule. A plan whose changes set secret values needs the change \
            list it was made from again (--changes). With --allowed-signers, the plan is applied only \
            if PLAN.json.sig (from 'bulk-update approve') is a valid signature of its exact bytes, \
            under the namespace bulk-update-plan, by a key that OpenSSH allowed_signers file lists; \
            this is checked before any request, and the approver is recorded in the journal and \
            reports.

            Exit status: 0 all applied or unchanged; 1 some failed or conflicted; 2 invalid input or \
            no confirmation (nothing sent); 3 stopped early (resume with 'bulk-update resume DIR'); \
            4 could not connect or authenticate (nothing sent).

            Examples:
              bulk-update apply rotate.csv
              bulk-update apply rotate.csv --yes --rate 40 --concurrency 16 --run-dir runs/rotation
              bulk-update apply --plan plan.json --yes --canary 5
              bulk-update apply --plan plan.json --allowed-signers .bulk-update/allowed_signers
            """
    )

    @Argument(help: "The change list (.csv, .json or .jsonl).", completion: .file())
    var changes: String?

    @Option(help: "Apply this saved plan (from 'plan --out') instead of a change list.", completion: .file())
    var plan: String?

    @Option(
        name: .customLong("changes"),
        help: "With --plan: the change list the plan was made from, when it sets secret values.")
    var changesForPlan: String?

    @Option(
        help: ArgumentHelp(
            "With --plan: apply it only if PLAN.json.sig signs it, by a key this allowed_signers file lists.",
            valueName: "file"),
        completion: .file())
    var allowedSigners: String?

    @Option(help: "The run directory (absent or empty; default runs/<UTC timestamp>).")
    var runDir: String?

    @Flag(help: "Do not ask for confirmation.")
    var yes = false

    @Flag(help: "A selector that matches no config is an error instead of a warning.")
    var requireMatch = false

    @OptionGroup var run: RunOptions
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        switch (changes, plan) {
        case (nil, nil): throw ValidationError("give a change list, or --plan PLAN.json")
        case (.some, .some): throw ValidationError("give either a change list or --plan, not both")
        default: break
        }
        if changesForPlan != nil, plan == nil { throw ValidationError("--changes goes with --plan") }
        if allowedSigners != nil, plan == nil { throw ValidationError("--allowed-signers goes with --plan") }
    }

    func run() async throws {
        if let runDir {
            do {
                try RunDirectory.checkNotInUse(URL(fileURLWithPath: runDir))
            } catch {
                Terminal.errorLine("error: \(error)")
                throw Exit.invalid
            }
        }
        if let warning = RateLimiter.warning(forRate: run.effectiveRate) { Terminal.errorLine("warning: \(warning)") }
        let client: M3terClient
        let planned: Plan
        var items: [PlanItem]? = nil
        var approver: PlanApprover? = nil
        let live: [IntegrationConfig]
        if let changes {
            let list = try PlannerCommandSupport.readChanges(changes, format: nil)
            if list.hasErrors {
                PlannerCommandSupport.printDiagnostics(list.diagnostics)
                throw Exit.invalid
            }
            client = try connection.makeClient(rate: run.effectiveRate, concurrency: run.effectiveConcurrency)
            live = try await client.readOrg()
            planned = try ApplyFlow.plan(list, live: live, client: client, requireMatch: requireMatch)
        } else {
            let path = plan ?? ""
            if let allowedSigners {
                do {
                    let approved = try await PlanApproval().readApprovedPlan(
                        at: URL(fileURLWithPath: path), allowedSigners: URL(fileURLWithPath: allowedSigners))
                    planned = approved.plan
                    approver = approved.approver
                    print("Approved by \(approved.approver)")
                } catch {
                    Terminal.errorLine("error: \(error); nothing was sent")
                    throw Exit.invalid
                }
            } else {
                do {
                    planned = try PlanFile.read(from: URL(fileURLWithPath: path))
                } catch {
                    Terminal.errorLine("error: \(error)")
                    throw Exit.invalid
                }
            }
            items = try PlanSecrets.items(of: planned, changes: changesForPlan)
            client = try connection.makeClient(rate: run.effectiveRate, concurrency: run.effectiveConcurrency)
            if let org = planned.org, org != client.settings.orgId {
                Terminal.errorLine(
                    "error: the plan was made for org \(org), not \(client.settings.orgId); nothing was sent")
                throw Exit.invalid
            }
            live = try await client.readOrg()
        }
        let seeAll = changes.map { "bulk-update plan \($0)" } ?? "the plan file \(plan ?? "")"
        print(RunLauncher.preview(planned, items: 5, seeAll: seeAll))
        print("Plan: \(RunLauncher.planSummary(planned))")
        let writes = planned.items.filter { $0.status != .unchanged }.count
        if writes == 0 {
            print("Nothing to do: every config already holds the change.")
        }
        try RunLauncher.confirm(yes: yes || writes == 0, summary: RunLauncher.planSummary(planned))
        throw try await ApplyFlow.execute(
            planned, items: items, live: live, client: client, runDir: runDir.map { URL(fileURLWithPath: $0) },
            options: run, inputFile: changes ?? plan, approver: approver)
    }
}

/// Secret values a plan file does not hold, supplied again from the change list.
enum PlanSecrets {
    /// The plan's items, with changes rebuilt from `changes` when any of them withholds secrets.
    ///
    /// Exits 2 when secrets are withheld and no (or the wrong) change list is given.
    ///
    /// - Parameter remaining: the items still to send (a resumed run needs no secret for the rest).
    static func items(
        of plan: Plan, changes path: String?, remaining: (String) -> Bool = { _ in true }
    ) throws -> [PlanItem]? {
        guard plan.items.contains(where: { $0.change.secretsWithheld && remaining($0.id) }) else { return nil }
        guard let path else {
            Terminal.errorLine(
                "error: this plan sets secret values, which plan files never hold; give the change list it was "
                    + "made from with --changes FILE; nothing was sent")
            throw Exit.invalid
        }
        let list = try PlannerCommandSupport.readChanges(path, format: nil)
        do {
            let changes = try PlanBuilder.replay(plan, changes: list)
            return plan.items.map { item in
                var item = item
                if let change = changes[item.id] { item.change = change }
                return item
            }
        } catch {
            Terminal.errorLine("error: \(error); nothing was sent")
            throw Exit.invalid
        }
    }
}
