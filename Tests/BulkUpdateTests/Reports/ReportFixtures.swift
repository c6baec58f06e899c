import BulkUpdate
import Foundation
import Planner

/// Small plans and outcomes shared by the journal and report tests.
enum ReportFixtures {
    static let start = Date(timeIntervalSince1970: 1_795_914_123)  // 2026-11-29T01:02:03Z

    static func time(_ seconds: Double) -> Date { Date(timeIntervalSince1970: 1_795_914_123 + seconds) }

    static let ids = [
        "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222",
        "33333333-3333-4333-8333-333333333333", "44444444-4444-4444-8444-444444444444",
    ]

    /// The secret the credential-rotation item sets; must never appear in any file.
    static let secretValue = "s3cr3t-VALUE-never-written"

    static func item(
        _ index: Int, name: String?, destination: String = "Webhook", entityType: String = "Bill",
        diff: [FieldChange], change: ConfigChange, status: PlanItemStatus = .update, wave: Int = 0,
        expectedVersion: Int64? = nil
    ) -> PlanItem {
        PlanItem(
            id: ids[index], name: name, entityType: entityType, destination: destination, versionRead: 3,
            expectedVersion: expectedVersion, diff: diff, enable: change.enable, enabledRead: false, wave: wave,
            inputLines: [index + 2], status: status, change: change)
    }

    /// Four items: a rename + configData edit, a secret rotation, an unchanged one, an enable-only one.
    static func plan() -> Plan {
        let secretFingerprint = Secrets.fingerprint(.string(secretValue))
        let oldFingerprint = Secrets.fingerprint(.string("old-secret"))
        let items = [
            item(
                0, name: "Billing, \"EU\"",
                diff: [
                    FieldChange(
                        path: ["name"], before: .string("Billing, \"EU\""), after: .string("Billing EU"), secret: false),
                    FieldChange(
                        path: ["configData", "webhook", "url"], before: .string("https://old.example/hook"),
                        after: .string("https://new.example/hook"), secret: false),
                    FieldChange(path: ["configData", "retries"], before: nil, after: .integer(3), secret: false),
                ],
                change: ConfigChange(
                    fields: [.name: .set("Billing EU")],
                    configDataPatch: .object([
                        "webhook": .object(["url": .string("https://new.example/hook")]), "retries": .integer(3),
                    ]))),
            item(
                1, name: "<script>alert(1)</script>", destination: "Salesforce", entityType: "Account",
                diff: [
                    FieldChange(
                        path: ["integrationCredentialsId"], before: .string("aaaaaaaa-0000-4000-8000-000000000001"),
                        after: .string("bbbbbbbb-0000-4000-8000-000000000002"), secret: false),
                    FieldChange(
                        path: ["configData", "apiToken"], before: oldFingerprint, after: secretFingerprint, secret: true
                    ),
                ],
                change: ConfigChange(
                    fields: [.integrationCredentialsId: .set("bbbbbbbb-0000-4000-8000-000000000002")],
                    configDataPatch: .object(["apiToken": .string(secretValue), "region": .string("eu-1")])),
                wave: 1),
            item(2, name: "Quiet", diff: [], change: ConfigChange(), status: .unchanged),
            item(
                3, name: nil,
                diff: [FieldChange(path: ["enabled"], before: .bool(false), after: .bool(true), secret: false)],
                change: ConfigChange(enable: true), status: .enableOnly),
        ]
        return Plan(
            org: "org-1", baseURL: "https://api.m3ter.com",
            input: PlanInput(file: "changes.csv", digest: String(repeating: "ab", count: 32), format: "csv", rows: 4),
            options: PlanOptions(), items: items, warnings: [], fingerprint: "fp-" + String(repeating: "1", count: 20))
    }

    static func outcomes() -> [ItemOutcome] {
        [
            ItemOutcome(
                id: ids[0], status: .failed, attempts: 1, httpStatus: 503, message: "first try", time: time(0.5)),
            ItemOutcome(
                id: ids[0], status: .applied, versionBefore: 3, versionAfter: 4, attempts: 2, httpStatus: 200,
                time: time(1.25)),
            ItemOutcome(
                id: ids[1], status: .conflict, versionBefore: 5, versionAfter: 5, attempts: 2, httpStatus: 400,
                message: "config moved from version 3 to 5, and its 'name' was changed, by someone else", time: time(2)),
            ItemOutcome(
                id: ids[2], status: .unchanged, versionBefore: 3, versionAfter: 3, attempts: 0, time: time(0.1)),
        ]
    }

    static func stats() -> RunStats {
        RunStats(
            startedAt: start, endedAt: time(4), requests: 10, retries: 1, throttled: 1, tokenRequests: 1,
            requestsPerSecond: [3, 4, 2, 1])
    }

    static func meta() -> ReportMeta {
        ReportMeta(toolVersion: "0.1.0", runDirectory: "runs/20261129T010203Z", startedAt: start, endedAt: time(4))
    }

    static func report() -> Report { Report.build(plan: plan(), outcomes: outcomes(), stats: stats(), meta: meta()) }
}
