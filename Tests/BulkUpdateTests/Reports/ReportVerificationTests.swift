import Foundation
import Testing

@testable import BulkUpdate

@Suite("Report verification findings")
struct ReportVerificationTests {
    @Test("findings of the verification sweep appear in Markdown, HTML and JSON, escaped")
    func findings() throws {
        var report = ReportFixtures.report()
        report.verification = ["config <b>1</b> no longer holds the planned name (changed since, at version 9)"]
        let markdown = ReportMarkdown.render(report)
        #expect(markdown.contains("## Verification"))
        #expect(markdown.contains("no longer holds the planned name"))
        let html = ReportHTML.render(report)
        #expect(html.contains("Verification"))
        #expect(html.contains("config &lt;b&gt;1&lt;/b&gt; no longer holds"))
        let decoded = try ReportJSON.decoder().decode(Report.self, from: ReportJSON.render(report))
        #expect(decoded.verification == report.verification)
    }

    @Test("a clean verification says so; no verification shows nothing")
    func cleanAndAbsent() {
        var report = ReportFixtures.report()
        #expect(!ReportMarkdown.render(report).contains("## Verification"))
        report.verification = []
        #expect(ReportMarkdown.render(report).contains("found every applied config holding the plan"))
    }
}
