import BulkUpdate
import Foundation
import Planner
import Testing

@Suite("Report renderings")
struct ReportRendererTests {
    @Test("markdown: summary table, problems first, then every item")
    func markdown() {
        let text = ReportMarkdown.render(ReportFixtures.report())
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "# bulk-update run report")
        #expect(
            lines.contains(
                "**1 of 4 items need attention** (failed or conflict), 1 not done (skipped or not attempted)."))
        #expect(lines.contains("| Plan | `fp-11111111111111111111` |"))
        #expect(lines.contains("| Duration | 4.0 s |"))
        #expect(lines.contains("| Requests | 10 (2.5 req/s) |"))
        #expect(lines.contains("| 429 responses | 1 |"))
        #expect(lines.contains("| applied | 1 | 25 % |"))
        #expect(lines.contains("| not attempted | 1 | 25 % |"))
        #expect(lines.contains("| Salesforce | 1 | 0 | 0 | 0 | 1 | 0 | 0 | 0 |"))
        #expect(
            lines.contains(
                "| **conflict** | `33333333-3333-4333-8333-333333333333` | \\<script\\>alert(1)\\</script\\> | 5 | 400 | "
                    .replacingOccurrences(of: "33333333-3333-4333-8333-333333333333", with: ReportFixtures.ids[1])
                    + "config moved from version 3 to 5, and its 'name' was changed, by someone else |"))
        #expect(
            lines.contains(
                "| `\(ReportFixtures.ids[0])` | Billing, \"EU\" | applied | 3 → 4 | `name`, `configData.webhook.url`, "
                    + "`configData.retries` | 2 | 200 |  |"))
        let problems = text.range(of: "## Problems")
        let items = text.range(of: "## Items")
        #expect(
            problems != nil && items != nil
                && problems?.lowerBound ?? text.endIndex < items?.lowerBound ?? text.startIndex)
    }

    @Test(
        "markdown escapes table-breaking characters",
        arguments: [("a|b", "a\\|b"), ("x\ny", "x y"), ("*b*", "\\*b\\*")])
    func markdownEscape(input: String, expected: String) {
        var plan = ReportFixtures.plan()
        plan.items[2].name = input
        let report = Report.build(plan: plan, outcomes: [], stats: nil, meta: ReportFixtures.meta())
        #expect(ReportMarkdown.render(report).contains("| `\(ReportFixtures.ids[2])` | \(expected) | not attempted |"))
    }

    @Test("json: the documented schema, sorted keys, reads back equal")
    func json() throws {
        let report = ReportFixtures.report()
        let data = ReportJSON.render(report)
        let decoded = try ReportJSON.decoder().decode(Report.self, from: data)
        #expect(decoded == report)
        let text = String(decoding: data, as: UTF8.self)
        let keys = ["\"formatVersion\"", "\"requestsPerSecond\"", "\"rows\"", "\"summary\""]
        let positions = keys.compactMap { text.range(of: $0)?.lowerBound }
        #expect(positions.count == 4 && positions == positions.sorted())
        #expect(text.contains(#""status" : "not-attempted""#))
        #expect(text.contains(#""startedAt" : "2026-11-29T01:02:03.000Z""#))
        #expect(text.contains(#""notAttempted" : 1"#))
    }

    @Test("csv: RFC 4180 quoting, one row per item")
    func csv() {
        let text = ReportCSV.render(ReportFixtures.report())
        let records = text.components(separatedBy: "\r\n")
        #expect(
            records[0]
                == "id,name,status,planned,entityType,destination,wave,versionBefore,versionAfter,changedFields,"
                + "attempts,httpStatus,reconciled,time,message,approvedBy,approvalKey")
        #expect(
            records[1]
                == "\(ReportFixtures.ids[0]),\"Billing, \"\"EU\"\"\",applied,update,Bill,Webhook,0,3,4,"
                + "name;configData.webhook.url;configData.retries,2,200,false,2026-11-29T01:02:04.250Z,,,")
        #expect(records[1 + 3].hasPrefix("\(ReportFixtures.ids[3]),,not-attempted,enable-only,"))
        #expect(records.count == 6 && records[5].isEmpty)
    }

    @Test(
        "CSV fields are quoted only when needed",
        arguments: [
            ("plain", "plain"), ("a,b", "\"a,b\""), ("say \"hi\"", "\"say \"\"hi\"\"\""), ("l1\nl2", "\"l1\nl2\""),
            ("cr\r", "\"cr\r\""), ("", ""),
        ])
    func csvField(input: String, expected: String) {
        #expect(CSVWriter.field(input) == expected)
    }

    @Test("html: self-contained, escaped, with cards, chart, filter and every row")
    func html() {
        let text = ReportHTML.render(ReportFixtures.report())
        #expect(text.hasPrefix("<!doctype html>"))
        #expect(text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!text.contains("<script>alert"))
        #expect(text.components(separatedBy: "<script>").count == 2)
        #expect(!text.contains("http://") && !text.contains("https://"))
        #expect(!text.contains("src=") && !text.contains("href=") && !text.contains("@import"))
        #expect(text.contains("<svg viewBox="))
        #expect(text.contains("<polyline class=\"rate\""))
        #expect(text.contains("data-status=\"conflict\" aria-pressed=\"false\">conflict <b>1</b></button>"))
        #expect(text.components(separatedBy: "<tr data-status=").count == 5)
        #expect(text.contains("Billing, &quot;EU&quot;"))
    }

    @Test("html works with zero rows and with ten thousand")
    func htmlSizes() {
        var plan = ReportFixtures.plan()
        plan.items = []
        let empty = ReportHTML.render(Report.build(plan: plan, outcomes: [], stats: nil, meta: ReportFixtures.meta()))
        #expect(empty.contains("The plan holds no items."))
        #expect(empty.contains("No outcomes recorded yet."))
        #expect(empty.contains(">Nothing to do</span>"))
        let template = ReportFixtures.plan().items[0]
        plan.items = (0..<10_000).map { index in
            var item = template
            item.id = "item-\(index)"
            return item
        }
        let outcomes = (0..<10_000).map { index in
            ItemOutcome(
                id: "item-\(index)", status: index % 37 == 0 ? .failed : .applied, versionBefore: 3, versionAfter: 4,
                attempts: 1, httpStatus: 200, time: ReportFixtures.time(Double(index) / 40))
        }
        let big = ReportHTML.render(
            Report.build(plan: plan, outcomes: outcomes, stats: nil, meta: ReportFixtures.meta()))
        #expect(big.components(separatedBy: "<tr data-status=").count == 10_001)
        #expect(big.contains("more in the table below."))
    }

    @Test("every format renders through ReportFormat")
    func formats() {
        let report = ReportFixtures.report()
        for format in ReportFormat.allCases { #expect(!format.render(report).isEmpty) }
        #expect(ReportFormat.allCases.map(\.fileName) == ["report.md", "report.json", "report.csv", "report.html"])
    }
}
