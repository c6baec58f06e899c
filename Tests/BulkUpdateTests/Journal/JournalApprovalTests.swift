import BulkUpdate
import Foundation
import Planner
import TestSupport
import Testing

@Suite("Approver in the journal header")
struct JournalApprovalTests {
    static let approver = PlanApprover(principal: "alice@example.com", keyFingerprint: "SHA256:abc+/def")

    @Test("a header with an approver is written as approvedBy and read back equal")
    func roundTrip() async throws {
        let url = try JournalTests.journalURL()
        var header = JournalTests.header()
        header.approver = Self.approver
        try await JournalTests.write([JournalTests.outcome(0)], to: url, header: header)
        let firstLine = try #require(try String(contentsOf: url, encoding: .utf8).split(separator: "\n").first)
        #expect(
            firstLine.hasSuffix(#","approvedBy":{"keyFingerprint":"SHA256:abc+/def","principal":"alice@example.com"}}"#)
        )
        let contents = try JournalReader.read(url, expectedFingerprint: JournalTests.fingerprint)
        #expect(contents.headers == [header])
    }

    @Test("a header written before approvals existed reads with no approver")
    func olderHeader() throws {
        let url = try JournalTests.journalURL()
        let line =
            #"{"type":"header","formatVersion":1,"planFingerprint":"fp-journal-test","toolVersion":"0.1.0","#
            + #""startedAt":"2026-11-29T01:02:03.000Z","options":{"rate":"40"}}"# + "\n"
        try Data(line.utf8).write(to: url)
        let contents = try JournalReader.read(url, expectedFingerprint: JournalTests.fingerprint)
        #expect(contents.headers.count == 1)
        #expect(contents.headers.first?.approver == nil)
        #expect(contents.headers.first?.options == ["rate": "40"])
    }

    @Test(
        "a resumed session keeps the approver: in its resume header, its report, and a report rebuilt from the journal")
    func resumeKeepsApprover() async throws {
        let configs = (1...3).map { sampleConfig($0) }
        let change = ConfigChange(fields: [.name: .set("renamed")])
        let items = configs.map { makeItem($0, change) }
        let plan = Plan(
            org: "org-1", baseURL: "https://api.m3ter.com",
            input: PlanInput(file: "changes.csv", digest: String(repeating: "0", count: 64), format: "csv", rows: 3),
            options: PlanOptions(), items: items, warnings: [], fingerprint: PlanEncoding.fingerprint(of: items))
        let url = try TestSupport.temporaryDirectory("run").appendingPathComponent("run")
        let api = FakeConfigAPI(configs)

        let first = RunSession(
            api: api,
            configuration: RunSession.Configuration(
                runDirectory: try RunDirectory.create(at: url, plan: plan, now: ReportFixtures.start),
                options: ExecutionOptions(), resumed: false, toolVersion: "0.1.0", approver: Self.approver))
        let applied = try await first.run(live: nil, stop: StopSignal(), events: nil)
        #expect(applied.report.summary.approvedBy == Self.approver)

        let resumed = RunSession(
            api: api,
            configuration: RunSession.Configuration(
                runDirectory: try RunDirectory.open(url), options: ExecutionOptions(), resumed: true,
                toolVersion: "0.1.0"))
        let again = try await resumed.run(live: nil, stop: StopSignal(), events: nil)
        #expect(again.report.summary.approvedBy == Self.approver)
        let run = try RunDirectory.open(url)
        let journal = try JournalReader.read(run.journalURL, expectedFingerprint: plan.fingerprint)
        #expect(journal.headers.map(\.kind) == [.header, .resume])
        #expect(journal.headers.map(\.approver) == [Self.approver, Self.approver])

        try FileManager.default.removeItem(at: run.reportURL(.json))
        #expect(try run.loadReport(toolVersion: "0.1.0").summary.approvedBy == Self.approver)
    }
}
