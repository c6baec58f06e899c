import BulkUpdate
import Foundation
import Planner
import TestSupport
import Testing

/// `plan --format html`, compared with a golden file (`UPDATE_GOLDEN=1` rewrites it).
@Suite("Plan page")
struct PlanHTMLTests {
    static let ids = (1...4).map { "\($0)\($0)\($0)\($0)\($0)\($0)\($0)\($0)-aaaa-4aaa-8aaa-aaaaaaaaaaaa" }

    static func plan() -> Plan {
        let snapshot = Snapshot(configs: [
            IntegrationConfig(
                id: ids[0], version: 4, entityType: "Bill", destination: "Webhook",
                configData: ["url": .string("https://old.example.com/<a>"), "apiToken": .string("t-old")],
                enabled: true, name: "Alerts <script>alert(1)</script>"),
            IntegrationConfig(
                id: ids[1], version: 2, entityType: "Bill", destination: "Stripe", enabled: false, name: "Two"),
            IntegrationConfig(id: ids[2], version: 9, entityType: "Bill", destination: "Stripe", name: "Three"),
        ])
        let changes = ChangeListReader.read(
            data: Data(
                ("id,configData.url,configData.apiToken,enabled,wave,expectedVersion\n"
                    + "\(ids[0]),\"https://new.example.com/\"\"q\"\"\",t-new,,1,\n\(ids[1]),,,true,,\n\(ids[2]),,,,,8\n"
                    + "\(ids[3]),,,true,,\n").utf8),
            file: "changes.csv", format: .csv)
        let result = PlanBuilder.build(
            changes: changes, snapshot: snapshot, org: "org-1", baseURL: "https://api.m3ter.com")
        #expect(!result.hasErrors, "\(result.diagnostics)")
        return result.plan
    }

    @Test("renders summary, warnings, every config's diff (secrets as changed) and the fingerprint, escaped")
    func golden() throws {
        let html = PlanHTML.render(Self.plan())
        let mismatch = try Golden.mismatch(html, name: "plan.html")
        #expect(mismatch == nil, "plan.html differs from its golden file:\n\(html)")
        #expect(!html.contains("t-new") && !html.contains("t-old"))
        #expect(!html.contains("<script>alert"))
    }
}
