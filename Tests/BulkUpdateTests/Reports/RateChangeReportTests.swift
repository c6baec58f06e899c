import BulkUpdate
import Foundation
import Planner
import Testing

@Suite("Report: rate changes")
struct RateChangeReportTests {
    static let changes = [
        RateChange(time: ReportFixtures.time(1), previousRate: 40, rate: 0, request: "r-1"),
        RateChange(time: ReportFixtures.time(2.5), previousRate: 0, rate: 30, request: "r-2"),
    ]

    static func report(_ changes: [RateChange] = changes) -> Report {
        Report.build(
            plan: ReportFixtures.plan(), outcomes: ReportFixtures.outcomes(), stats: ReportFixtures.stats(),
            meta: ReportFixtures.meta(), rateChanges: changes)
    }

    @Test("html: the timeline marks every change with the new rate, and the legend names the marks")
    func htmlTimeline() {
        let html = ReportHTML.render(Self.report())
        #expect(html.components(separatedBy: "<g class=\"mark\">").count == 3)
        #expect(html.contains("<title>1s: rate 40 req/s → paused (rethrottle)</title>"))
        #expect(html.contains(">paused</text></g>"))
        #expect(html.contains("<title>3s: rate paused → 30 req/s (rethrottle)</title>"))
        #expect(html.contains(">30/s</text></g>"))
        #expect(html.contains("rate changed (rethrottle)</span>"))
    }

    @Test("html: a run without rate changes has no marks and no legend entry for them")
    func htmlWithoutChanges() {
        let html = ReportHTML.render(ReportFixtures.report())
        #expect(!html.contains("<g class=\"mark\">"))
        #expect(!html.contains("rate changed (rethrottle)"))
    }

    @Test("markdown: a table of the changes, before the items")
    func markdown() throws {
        let text = ReportMarkdown.render(Self.report())
        #expect(text.contains("| 2026-11-29 01:02:04 UTC | 40 req/s | paused |\n"))
        #expect(text.contains("| 2026-11-29 01:02:05 UTC | paused | 30 req/s |\n"))
        let section = try #require(text.range(of: "## Rate changes"))
        let items = try #require(text.range(of: "## Items"))
        #expect(section.lowerBound < items.lowerBound)
        #expect(!ReportMarkdown.render(ReportFixtures.report()).contains("## Rate changes"))
    }

    @Test("json: the changes round-trip; a report without them has no key, and an older report.json still reads")
    func json() throws {
        let report = Self.report()
        let decoded = try ReportJSON.decoder().decode(Report.self, from: ReportJSON.render(report))
        #expect(decoded.rateChanges?.map(\.rate) == [0, 30])
        #expect(decoded.rateChanges?.map(\.request) == ["r-1", "r-2"])
        let plain = ReportJSON.render(ReportFixtures.report())
        #expect(!String(decoding: plain, as: UTF8.self).contains("rateChanges"))
        #expect(try ReportJSON.decoder().decode(Report.self, from: plain).rateChanges == nil)
    }
}
