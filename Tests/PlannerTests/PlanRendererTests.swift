import Planner
import TestSupport
import Testing

/// The renderings of a plan with an update (a name and a secret), an enable-only item, an
/// unchanged one and two waves, compared with golden files in `Golden/`.
@Suite("Plan renderer")
struct PlanRendererTests {
    static let result = TestInputs.plan(
        "id,name,configData.token,enabled,wave\n\(TestInputs.id1),renamed,tok-new,,1\n\(TestInputs.id2),,,true,\n"
            + "\(TestInputs.id3),Three,,,\n")

    @Test("text: the summary, then per wave each changed field from → to; unchanged configs and secrets hidden")
    func text() throws {
        let text = PlanRenderer.text(Self.result.plan)
        #expect(try Golden.mismatch(text, name: "renderer.plan.txt") == nil, "renderer.plan.txt differs:\n\(text)")
        #expect(!text.contains("tok-new"))
    }

    @Test("markdown: a reviewable document with a summary table and per-config field tables, secrets hidden")
    func markdown() throws {
        let markdown = PlanRenderer.markdown(Self.result.plan)
        #expect(
            try Golden.mismatch(markdown, name: "renderer.plan.md") == nil, "renderer.plan.md differs:\n\(markdown)")
        #expect(!markdown.contains("tok-new"))
    }

    @Test("text and Markdown are handed to the sink in pieces that add up to the whole")
    func pieces() {
        var text = ""
        PlanRenderer.writeText(Self.result.plan) { text += $0 }
        #expect(text == PlanRenderer.text(Self.result.plan))
    }
}
