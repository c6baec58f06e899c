import Foundation
import Planner
import Testing

/// Templated values: `{{ expr | filter … }}` parsed once, rendered per config.
@Suite("Templates")
struct TemplateTests {
    static let config = IntegrationConfig(
        id: TestInputs.id1, version: 3, entityType: "Bill", destination: "Webhook",
        configData: [
            "url": .string("https://hooks.old.example.com/m3ter/7?k=a"), "n": .integer(5), "pad": .string("  x  "),
            "nested": .object(["deep": .string("Deep")]), "nothing": .null,
        ],
        name: "Alerts, EU")

    @Test(
        "renders paths and filters, text outside the braces as it is",
        arguments: [
            ("{{ name }} (migrated)", "Alerts, EU (migrated)"),
            ("{{name}}", "Alerts, EU"),
            (
                "{{ configData.url | replace(\"hooks.old.example.com\", \"events.new.example.com\") }}",
                "https://events.new.example.com/m3ter/7?k=a"
            ),
            (
                "{{ configData.url | regex_replace(\"^https://([^/]+)/m3ter/([0-9]+)\", \"https://new/$2/$1\") }}",
                "https://new/7/hooks.old.example.com?k=a"
            ),
            ("{{ name | lower }}-{{ name | upper }}", "alerts, eu-ALERTS, EU"),
            ("[{{ configData.pad | trim }}]", "[x]"),
            ("{{ entityId | default(\"none\") }}", "none"),
            ("{{ configData.nothing | default(\"was null\") }}", "was null"),
            ("{{ configData.n }}", "5"),
            ("{{ configData.nested.deep | lower }}", "deep"),
            ("{{ configData.nested }}", "{\"deep\":\"Deep\"}"),
            ("{{ id }}", TestInputs.id1),
            ("{{ \"{{\" }} literal", "{{ literal"),
            ("{{ name | replace(\"\\\"\", \"'\") | default(\"x\") }}", "Alerts, EU"),
        ])
    func renders(template: String, expected: String) throws {
        #expect(try Template(parsing: template).render(for: Self.config) == expected)
    }

    @Test(
        "refuses what cannot be rendered, naming the character",
        arguments: [
            ("{{ name", "'{{' is never closed (a '}}' is missing)", 0),
            ("x {{ nmae }}", "unknown field 'nmae' (did you mean 'name'?)", 5),
            ("{{ configData }}", "write configData.<key>[.<key>…] to read a configData value", 3),
            ("{{ name | frob }}", "unknown filter 'frob'", 10),
            ("{{ name | replace(\"a\") }}", "'replace' takes two quoted arguments", 10),
            ("{{ name | lower(\"a\") }}", "'lower' takes no arguments", 10),
            ("{{ name | regex_replace(\"(\", \"x\") }}", "'(' is not a valid regular expression", 10),
            (
                "{{ configData.auth.apiToken }}",
                "cannot read 'configData.auth.apiToken': 'apiToken' is a secret key, and secrets are never rendered", 3
            ),
            ("{{ name | }}", "expected a filter after '|'", 10),
            ("{{ name name }}", "expected '|' or '}}'", 8),
            ("{{ }}", "expected a field (id, name, …, configData.<key>) or a quoted string", 3),
        ])
    func refuses(template: String, message: String, offset: Int) {
        #expect(throws: Template.Problem(message: message, offset: offset)) { try Template(parsing: template) }
    }

    @Test("a path the config does not have, with no default, is an error for that config")
    func absent() throws {
        let template = try Template(parsing: "{{ configData.missing.key }}")
        #expect(throws: Template.RenderError.absent(path: ["configData", "missing", "key"])) {
            try template.render(for: Self.config)
        }
        #expect(try Template(parsing: "{{ entityId }}").reads == [["entityId"]])
    }

    @Test("render stage: the row's templated values rendered for the config, and the values they read")
    func renderStage() throws {
        let list = TestInputs.csv(
            "match.destination,configData.url,configData.label\n"
                + "Webhook,\"{{ configData.url | replace(\"\"old\"\", \"\"new\"\") }}\",\"{{ name }}\"\n")
        #expect(list.diagnostics.isEmpty)
        let row = try #require(list.rows.first)
        #expect(row.templates.map(\.target) == [.configData(["url"]), .configData(["label"])])
        let rendered = try TemplateRenderer.render(row, for: Self.config).get()
        #expect(
            rendered.row.change.configDataPatch
                == .object([
                    "url": .string("https://hooks.new.example.com/m3ter/7?k=a"), "label": .string("Alerts, EU"),
                ]))
        #expect(rendered.row.templates.isEmpty)
        #expect(
            Set(rendered.reads) == [
                FieldRead(path: ["configData", "url"], value: .string("https://hooks.old.example.com/m3ter/7?k=a")),
                FieldRead(path: ["name"], value: .string("Alerts, EU")),
            ])
    }

    @Test("a template that reads a field it does not change: the field counts for the conflict rule")
    func readsCountForConflicts() throws {
        let snapshot = Snapshot(configs: [TestInputs.config(TestInputs.id1, name: "Old name")])
        let result = TestInputs.plan("id,configData.label\n\(TestInputs.id1),{{ name }}\n", snapshot: snapshot)
        let item = try #require(result.plan.items.first)
        #expect(item.reads == [FieldRead(path: ["name"], value: .string("Old name"))])
        var live = snapshot.configs[0]
        #expect(item.fieldsDrifted(in: live).isEmpty)
        live.name = "Renamed meanwhile"
        #expect(item.fieldsDrifted(in: live) == ["name"])
        // Written and read back from a plan file, the reads are kept (and fingerprinted).
        let read = try PlanFile.decode(PlanFile.encode(result.plan))
        #expect(read.items.first?.reads == item.reads)
    }

    @Test("render errors name the config and count the others; rendered values must be valid for their field")
    func renderErrors() {
        let snapshot = Snapshot(configs: [
            TestInputs.config(TestInputs.id1, name: nil), TestInputs.config(TestInputs.id2, name: nil),
            TestInputs.config(TestInputs.id3, name: "bad name"),
        ])
        let result = TestInputs.plan(
            "match.entityType,configData.label,destination\nBill,{{ name }},\"{{ name | default(\"\"ok\"\") }}\"\n",
            snapshot: snapshot)
        #expect(
            result.diagnostics.map(\.description) == [
                "changes.csv:2:2: error: 'configData.label': config \(TestInputs.id1) (and 1 more config) has no 'name' "
                    + "(give one with | default(\"…\"))",
                "changes.csv:2:3: error: 'destination': config \(TestInputs.id3) renders a value that must contain "
                    + "only letters, digits, '_' and '-': 'bad name'",
            ])
    }
}
