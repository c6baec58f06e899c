import Foundation
import Planner

/// The one model behind every rendering of a run: summary first, then one row per plan item.
///
/// Built by the pure ``build(plan:outcomes:stats:meta:)``; the renderers (``ReportMarkdown``,
/// ``ReportJSON``, ``ReportCSV``, ``ReportHTML``) are pure functions of it.
public struct Report: Sendable, Hashable, Codable {
    /// The `report.json` schema version.
    public static let currentFormatVersion = 1

    public var formatVersion: Int
    public var summary: ReportSummary
    /// One row per plan item, in plan order.
    public var rows: [ReportRow]
    /// Requests sent per whole second since the start (from ``RunStats/requestsPerSecond``).
    public var requestsPerSecond: [Int]
    /// What the verification sweep after the last write found: configs reported done that no longer
    /// hold the plan (`nil`: no verification ran, e.g. `--no-verify` or a stopped run).
    public var verification: [String]?
    /// The rate changes made while the run went (`bulk-update rethrottle`), in order; `nil` when none.
    public var rateChanges: [RateChange]?

    /// Builds the report of a run.
    ///
    /// - Parameters:
    ///   - plan: the run's plan: every item gets a row, `not-attempted` when no outcome names it.
    ///   - outcomes: the journal's records in order; the last one for an id wins (outcomes of ids
    ///     outside the plan are ignored).
    ///   - stats: request figures, when known (a report rebuilt from the journal alone has none).
    ///   - meta: tool version, input, run directory and times.
    ///   - rateChanges: the journal's rate changes, in order.
    public static func build(
        plan: Plan, outcomes: [ItemOutcome], stats: RunStats?, meta: ReportMeta, rateChanges: [RateChange] = []
    ) -> Report {
        var last: [String: ItemOutcome] = [:]
        last.reserveCapacity(plan.items.count)
        for outcome in outcomes { last[outcome.id] = outcome }
        var counts = StatusCounts()
        var byDestination: [String: StatusCounts] = [:]
        var byEntityType: [String: StatusCounts] = [:]
        var rows: [ReportRow] = []
        rows.reserveCapacity(plan.items.count)
        var attempts = 0
        var reconciled = 0
        var lastTime: Date?
        for item in plan.items {
            let outcome = last[item.id]
            let status = outcome.map { ReportStatus($0.status) } ?? .notAttempted
            counts.add(status)
            byDestination[item.destination, default: StatusCounts()].add(status)
            byEntityType[item.entityType, default: StatusCounts()].add(status)
            attempts += outcome?.attempts ?? 0
            if outcome?.reconciled == true { reconciled += 1 }
            if let time = outcome?.time, lastTime.map({ time > $0 }) ?? true { lastTime = time }
            var fields = item.diff.map(\.dottedPath)
            if item.enable, !fields.contains("enabled") { fields.append("enabled") }
            rows.append(
                ReportRow(
                    id: item.id, name: item.name, status: status, planned: item.status,
                    entityType: item.entityType, destination: item.destination, wave: item.wave,
                    versionBefore: outcome?.versionBefore ?? item.versionRead, versionAfter: outcome?.versionAfter,
                    changedFields: fields, attempts: outcome?.attempts ?? 0, httpStatus: outcome?.httpStatus,
                    message: outcome?.message, reconciled: outcome?.reconciled ?? false, time: outcome?.time))
        }
        let start = meta.startedAt
        let end = max(meta.endedAt ?? stats?.endedAt ?? lastTime ?? start, start)
        let duration = end.timeIntervalSince(start)
        let summary = ReportSummary(
            planFingerprint: plan.fingerprint, org: plan.org, baseURL: plan.baseURL,
            inputFile: meta.inputFile ?? plan.input.file, inputDigest: meta.inputDigest ?? plan.input.digest,
            toolVersion: meta.toolVersion, runDirectory: meta.runDirectory, approvedBy: meta.approver, counts: counts,
            byDestination: byDestination, byEntityType: byEntityType, startedAt: start, endedAt: end,
            durationSeconds: duration, requests: stats?.requests,
            requestRate: stats.map { stats in
                // The rate the progress line showed; else requests over the time they were counted.
                if let rate = stats.requestRate { return rate }
                let window = (stats.endedAt ?? end).timeIntervalSince(stats.startedAt)
                return window > 0 ? Double(stats.requests) / window : Double(stats.requests)
            },
            retries: stats?.retries, throttled: stats?.throttled, tokenRequests: stats?.tokenRequests,
            itemAttempts: attempts, reconciled: reconciled)
        return Report(
            formatVersion: currentFormatVersion, summary: summary, rows: rows,
            requestsPerSecond: stats?.requestsPerSecond ?? [], rateChanges: rateChanges.isEmpty ? nil : rateChanges)
    }

    /// The conflicted and failed rows (what a reviewer must look at first), failures first.
    public var problems: [ReportRow] {
        rows.filter(\.status.isProblem).sorted { $0.status < $1.status }
    }
}
