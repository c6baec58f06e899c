import Planner
import Testing

@Suite("Plan renderer")
struct PlanRendererTests {
    static let result = TestInputs.plan(
        "id,name,configData.token,enabled,wave\n\(TestInputs.id1),renamed,tok-new,,1\n\(TestInputs.id2),,,true,\n"
            + "\(TestInputs.id3),Three,,,\n")

    @Test("text starts with the summary, then changed fields from → to, unchanged configs hidden")
    func text() {
        let text = PlanRenderer.text(Self.result.plan)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "Plan for changes.csv (3 rows)")
        #expect(lines[1] == "  3 configs targeted: 1 update, 1 enable-only, 1 unchanged; 2 requests to send")
        #expect(text.contains("    name: \"One\" → \"renamed\"\n"))
        #expect(text.contains("    configData.token: set (secret)\n"))
        #expect(text.contains("    enabled: false → true (POST …/enable)\n"))
        #expect(!text.contains(TestInputs.id3))
        #expect(!text.contains("tok-new"))
        #expect(
            text.firstRange(of: "wave 0")?.lowerBound ?? text.endIndex < text.firstRange(of: "wave 1")?.lowerBound
                ?? text.startIndex)
    }

    @Test("markdown is a reviewable document with a summary table and per-config field tables")
    func markdown() {
        let markdown = PlanRenderer.markdown(Self.result.plan)
        #expect(markdown.hasPrefix("# Plan: changes.csv\n"))
        #expect(markdown.contains("| update | 1 |\n| enable-only | 1 |\n| unchanged | 1 |\n| **total** | **3** |"))
        #expect(markdown.contains("| `name` | `\"One\"` | `\"renamed\"` |"))
        #expect(markdown.contains("| `configData.token` | *secret* | *set* |"))
        #expect(markdown.contains("1 config is already in the planned state and will not be written."))
        #expect(!markdown.contains("tok-new"))
    }
}
