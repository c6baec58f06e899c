import BulkUpdate
import Foundation
import Planner
import Testing

@Suite("Report model")
struct ReportTests {
    @Test("counts every plan item once, not attempted included; the last outcome of an id wins")
    func counts() {
        let summary = ReportFixtures.report().summary
        #expect(summary.counts.total == 4)
        #expect(summary.counts.applied == 1)
        #expect(summary.counts.conflict == 1)
        #expect(summary.counts.unchanged == 1)
        #expect(summary.counts.notAttempted == 1)
        #expect(summary.counts.failed == 0)
        #expect(summary.byDestination["Webhook"]?.total == 3)
        #expect(summary.byDestination["Salesforce"]?.conflict == 1)
        #expect(summary.byEntityType["Account"]?.total == 1)
        #expect(!summary.succeeded)
    }

    @Test("timing, request rate and run figures come from the meta and the stats")
    func figures() {
        let summary = ReportFixtures.report().summary
        #expect(summary.durationSeconds == 4)
        #expect(summary.requests == 10)
        #expect(summary.requestRate == 2.5)
        #expect(summary.retries == 1)
        #expect(summary.throttled == 1)
        #expect(summary.tokenRequests == 1)
        #expect(summary.itemAttempts == 4)
        #expect(summary.planFingerprint == ReportFixtures.plan().fingerprint)
        #expect(summary.inputFile == "changes.csv")
        #expect(summary.toolVersion == "0.1.0")
    }

    @Test("rows follow the plan, with versions, changed fields and messages")
    func rows() throws {
        let rows = ReportFixtures.report().rows
        #expect(rows.map(\.status) == [.applied, .conflict, .unchanged, .notAttempted])
        #expect(rows[0].versionText == "3 → 4")
        #expect(rows[0].changedFields == ["name", "configData.webhook.url", "configData.retries"])
        #expect(rows[0].attempts == 2)
        #expect(rows[1].changedFields == ["integrationCredentialsId", "configData.apiToken"])
        #expect(rows[1].message?.hasPrefix("config moved") == true)
        #expect(rows[3].changedFields == ["enabled"])
        #expect(rows[3].versionText == "3")
        #expect(rows[3].time == nil)
    }

    @Test("without stats or an end time, the last outcome ends the run")
    func withoutStats() {
        let meta = ReportMeta(toolVersion: "0.1.0", startedAt: ReportFixtures.start)
        let report = Report.build(
            plan: ReportFixtures.plan(), outcomes: ReportFixtures.outcomes(), stats: nil, meta: meta)
        #expect(report.summary.durationSeconds == 2)
        #expect(report.summary.requests == nil)
        #expect(report.summary.requestRate == nil)
        #expect(report.requestsPerSecond.isEmpty)
    }

    @Test("an empty plan makes an empty, successful report")
    func emptyPlan() {
        var plan = ReportFixtures.plan()
        plan.items = []
        let report = Report.build(plan: plan, outcomes: [], stats: nil, meta: ReportFixtures.meta())
        #expect(report.rows.isEmpty)
        #expect(report.summary.counts == StatusCounts())
        #expect(report.summary.succeeded)
    }
}
