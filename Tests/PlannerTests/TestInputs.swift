import Foundation
import Planner

/// Builders for change lists and snapshots used across the planner tests.
enum TestInputs {
    static let id1 = "11111111-1111-4111-8111-111111111111"
    static let id2 = "22222222-2222-4222-8222-222222222222"
    static let id3 = "33333333-3333-4333-8333-333333333333"
    static let credA = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
    static let credB = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"

    static func csv(_ text: String, file: String = "changes.csv") -> ChangeList {
        ChangeListReader.read(data: Data(text.utf8), file: file, format: .csv)
    }

    static func config(
        _ id: String, version: Int64 = 1, destination: String = "Webhook", name: String? = nil,
        credentials: String? = credA, configData: [String: JSONValue]? = ["url": .string("https://old")],
        enabled: Bool? = true
    ) -> IntegrationConfig {
        IntegrationConfig(
            id: id, version: version, entityType: "Bill", destination: destination, configData: configData,
            enabled: enabled, integrationCredentialsId: credentials, name: name)
    }

    static var snapshot: Snapshot {
        Snapshot(configs: [
            config(id1, version: 4, name: "One"),
            config(id2, version: 2, destination: "Stripe", name: "Two", enabled: false),
            config(id3, version: 9, name: "Three", credentials: credB),
        ])
    }

    static func plan(_ text: String, snapshot: Snapshot = snapshot, requireMatch: Bool = false) -> PlanResult {
        PlanBuilder.build(changes: csv(text), snapshot: snapshot, options: PlanOptions(requireMatch: requireMatch))
    }
}
