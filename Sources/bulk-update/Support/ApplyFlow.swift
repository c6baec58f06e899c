import ArgumentParser
import BulkUpdate
import Foundation
import Planner

/// The steps `apply` and `demo` share: plan a change list against the live org, then run it.
enum ApplyFlow {
    /// Plans `list` against `live`, printing every diagnostic; exits 2 when the plan has errors.
    static func plan(
        _ list: ChangeList, live: [IntegrationConfig], client: M3terClient, requireMatch: Bool
    ) throws -> Plan {
        let result = PlanBuilder.build(
            changes: list, snapshot: Snapshot(configs: live), options: PlanOptions(requireMatch: requireMatch),
            org: client.settings.orgId, baseURL: client.settings.baseURL.absoluteString)
        PlannerCommandSupport.printDiagnostics(result.diagnostics)
        if result.hasErrors { throw Exit.invalid }
        return result.plan
    }

    /// Creates the run directory and runs the plan; returns the exit code of the result.
    ///
    /// - Parameters:
    ///   - items: the plan's items with in-memory changes, when they differ from the plan's own.
    ///   - live: the configs of the sweep the plan was made from (or checked against).
    ///   - approver: who signed the plan, when `apply --allowed-signers` verified it.
    static func execute(
        _ plan: Plan, items: [PlanItem]?, live: [IntegrationConfig], client: M3terClient, runDir: URL?,
        options: RunOptions, inputFile: String?, approver: PlanApprover? = nil
    ) async throws -> ExitCode {
        let directory: RunDirectory
        do {
            directory = try RunDirectory.create(at: runDir, plan: plan, now: Date())
        } catch {
            Terminal.errorLine("error: \(error); nothing was sent")
            throw Exit.invalid
        }
        let configuration = RunSession.Configuration(
            runDirectory: directory, items: items, options: options.execution, verify: !options.noVerify,
            resumed: directory.isExistingRun, recordedOptions: options.recorded,
            toolVersion: BulkUpdateVersion.current, inputFile: inputFile, approver: approver)
        let byId = Dictionary(live.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return try await RunLauncher.run(
            configuration, client: client, live: byId, quiet: options.quiet,
            resumeHint: "bulk-update resume \(directory.url.path)")
    }
}
