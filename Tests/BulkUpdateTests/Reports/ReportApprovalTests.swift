import BulkUpdate
import Foundation
import Planner
import Testing

@Suite("Approver in the journal and the reports")
struct ReportApprovalTests {
    static let approver = PlanApprover(
        principal: "alice@example.com", keyFingerprint: "SHA256:yMu0BgUjyw2INmafTC4r+KTa/+cdFdcqD1tpWWWsZP0")

    /// The fixture run, approved by ``approver``.
    static func approvedReport() -> Report {
        var meta = ReportFixtures.meta()
        meta.approver = approver
        return Report.build(
            plan: ReportFixtures.plan(), outcomes: ReportFixtures.outcomes(), stats: ReportFixtures.stats(), meta: meta)
    }

    @Test("the summary carries the approver from the run's meta; an unapproved run has none")
    func summary() {
        #expect(Self.approvedReport().summary.approvedBy == Self.approver)
        #expect(ReportFixtures.report().summary.approvedBy == nil)
    }

    @Test("markdown names the approver and the key in the summary table")
    func markdown() {
        let lines = ReportMarkdown.render(Self.approvedReport()).split(separator: "\n").map(String.init)
        #expect(lines.contains("| Approved by | alice@example.com, key `\(Self.approver.keyFingerprint)` |"))
        #expect(!ReportMarkdown.render(ReportFixtures.report()).contains("Approved by"))
    }

    @Test("json: summary.approvedBy with principal and keyFingerprint; reads back equal; absent when unapproved")
    func json() throws {
        let report = Self.approvedReport()
        let data = ReportJSON.render(report)
        #expect(try ReportJSON.decoder().decode(Report.self, from: data) == report)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let summary = try #require(object["summary"] as? [String: Any])
        let approvedBy = try #require(summary["approvedBy"] as? [String: String])
        #expect(approvedBy == ["principal": "alice@example.com", "keyFingerprint": Self.approver.keyFingerprint])
        let unapproved = String(decoding: ReportJSON.render(ReportFixtures.report()), as: UTF8.self)
        #expect(!unapproved.contains("approvedBy"))
    }

    @Test("csv: every row ends with the approver and the key")
    func csv() {
        let records = ReportCSV.render(Self.approvedReport()).components(separatedBy: "\r\n").dropLast()
        #expect(records.first?.hasSuffix(",message,approvedBy,approvalKey") == true)
        #expect(records.count == 5)
        for record in records.dropFirst() {
            #expect(record.hasSuffix(",alice@example.com,\(Self.approver.keyFingerprint)"), "\(record)")
        }
    }

    @Test("html: the approver and the key among the header facts, escaped")
    func html() {
        var meta = ReportFixtures.meta()
        meta.approver = PlanApprover(principal: "<b>eve</b>@example.com", keyFingerprint: "SHA256:abc")
        let report = Report.build(plan: ReportFixtures.plan(), outcomes: [], stats: nil, meta: meta)
        let text = ReportHTML.render(report)
        #expect(
            text.contains(
                "<dt>Approved by</dt><dd>&lt;b&gt;eve&lt;/b&gt;@example.com <span class=\"dim\">SHA256:abc</span></dd>")
        )
        #expect(
            ReportHTML.render(Self.approvedReport())
                .contains("alice@example.com <span class=\"dim\">\(Self.approver.keyFingerprint)</span>"))
        #expect(!ReportHTML.render(ReportFixtures.report()).contains("Approved by"))
    }
}
