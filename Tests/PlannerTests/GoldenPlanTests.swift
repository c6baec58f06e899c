import Foundation
import Planner
import TestSupport
import Testing

/// The plans of the sample change lists against the sample org, rendered as text, Markdown and
/// JSON (the plan file), compared with golden files in `Golden/` (`UPDATE_GOLDEN=1` rewrites them).
@Suite("Sample plans (golden files)")
struct GoldenPlanTests {
    /// The sandbox's sample org (`samples/sandbox-seed.json`) as a snapshot.
    static func sampleOrg() throws -> Snapshot {
        struct Seed: Decodable { var configs: [IntegrationConfig] }
        let url = CLIRunner.packageRoot().appendingPathComponent("samples/sandbox-seed.json")
        return Snapshot(configs: try JSONDecoder().decode(Seed.self, from: Data(contentsOf: url)).configs)
    }

    static func plan(_ sample: String) throws -> Plan {
        let url = CLIRunner.packageRoot().appendingPathComponent("samples").appendingPathComponent(sample)
        let changes = try ChangeListReader.read(url: url, displayName: sample)
        let result = PlanBuilder.build(changes: changes, snapshot: try sampleOrg())
        #expect(!result.hasErrors)
        return result.plan
    }

    @Test(
        "each sample's plan renders exactly as its golden text, Markdown and plan file",
        arguments: ["rotate-credentials.csv", "migrate-webhooks.json", "reenable-stripe.csv"])
    func renderings(sample: String) throws {
        let plan = try Self.plan(sample)
        let renderings = [
            ("txt", PlanRenderer.text(plan)),
            ("md", PlanRenderer.markdown(plan)),
            ("json", String(decoding: PlanFile.encode(plan), as: UTF8.self)),
        ]
        for (suffix, actual) in renderings {
            let name = "\(sample).plan.\(suffix)"
            let expected = try Golden.mismatch(actual, name: name)
            #expect(expected == nil, "\(name) differs from its golden file:\n\(actual)")
        }
    }
}
