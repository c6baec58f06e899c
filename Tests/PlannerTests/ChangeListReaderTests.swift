import Foundation
import Planner
import TestSupport
import Testing

@Suite("Change-list reader")
struct ChangeListReaderTests {
    let id = TestInputs.id1

    @Test("a configData.<key> cell is JSON when it parses, else a plain string")
    func cellValues() throws {
        let list = TestInputs.csv(
            "id,configData.a,configData.b,configData.c,configData.d.e,configData.f,configData.g,configData.h\n"
                + "\(id),007,42,\"\"\"quoted\"\"\",true,\"[1,2]\",plain text,\\N\n")
        let row = try #require(list.rows.first)
        #expect(
            row.change.configDataPatch
                == .object([
                    "a": .string("007"), "b": .integer(42), "c": .string("quoted"), "d": .object(["e": .bool(true)]),
                    "f": .array([.integer(1), .integer(2)]), "g": .string("plain text"), "h": .null,
                ]))
    }

    @Test("empty cells leave fields alone and \\N clears them")
    func emptyAndClear() throws {
        let list = TestInputs.csv("id,name,entityId,configData\n\(id),,\\N,\\N\n")
        let row = try #require(list.rows.first)
        #expect(row.change.fields == [.entityId: .clear])
        #expect(row.change.configDataPatch == .null)
    }

    @Test("match columns are ANDed and \\N matches an absent field")
    func matchSelector() throws {
        let list = TestInputs.csv(
            "match.destination,match.integrationCredentialsId,match.name,integrationCredentialsId\n"
                + "Webhook,\(TestInputs.credA),\\N,\(TestInputs.credB)\n")
        let row = try #require(list.rows.first)
        #expect(
            row.selector
                == .match([.destination: "Webhook", .integrationCredentialsId: TestInputs.credA, .name: String?.none]))
    }

    @Test("reads a JSON array with the same keys, a match object and typed values")
    func jsonArray() throws {
        let text = """
            [
              {"id": "\(id)", "name": "x", "configData": {"url": "https://y", "old": null}, "enabled": true,
               "expectedVersion": 3, "wave": 1},
              {"match": {"destination": "Stripe"}, "integrationCredentialsId": null,
               "configData.retries": 5}
            ]
            """
        let list = ChangeListReader.read(data: Data(text.utf8), file: "changes.json")
        #expect(list.diagnostics.isEmpty)
        #expect(list.format == .json)
        #expect(list.rows.map(\.line) == [2, 4])
        #expect(
            list.rows.first
                == ChangeRow(
                    line: 2, selector: .id(id),
                    change: ConfigChange(
                        fields: [.name: .set("x")],
                        configDataPatch: .object(["url": .string("https://y"), "old": .null]),
                        enable: true), expectedVersion: 3, wave: 1))
        #expect(list.rows.last?.change.fields == [.integrationCredentialsId: .clear])
        #expect(list.rows.last?.change.configDataPatch == .object(["retries": .integer(5)]))
    }

    @Test("reads JSON Lines, skipping blank lines, and reports bad lines by number")
    func jsonLines() {
        let text =
            "{\"id\":\"\(id)\",\"name\":\"a\"}\n\n{\"id\":\"\(id)\",\"name\":}\n{\"id\":\"\(id)\",\"enabled\":false}\n[1]\n"
        let list = ChangeListReader.read(data: Data(text.utf8), file: "changes.jsonl", format: .jsonLines)
        #expect(list.rows.map(\.line) == [1])
        #expect(
            list.diagnostics.map(\.description) == [
                "changes.jsonl:3: error: malformed JSON: unexpected character '}'",
                "changes.jsonl:4: error: 'enabled' cannot be false: m3ter has no endpoint to disable an integration config (leave the cell empty to keep the current state)",
                "changes.jsonl:5: error: a record must be a JSON object, got an array",
            ])
    }

    @Test("a JSON Lines record that does not parse is reported at its own line, and the next line is read")
    func jsonLinesTruncated() {
        let text =
            "{\"id\":\"\(id)\",\"name\":\"a\"}\n{\"id\":\"\(id)\",\"name\":\"b\"\n\n{\"id\":\"\(id)\",\"name\":\"c\"}\n"
        let list = ChangeListReader.read(data: Data(text.utf8), file: "bad.jsonl", format: .jsonLines)
        #expect(list.rows.map(\.line) == [1, 4])
        #expect(list.recordCount == 3)
        #expect(
            list.diagnostics.map(\.description) == [
                "bad.jsonl:2: error: malformed JSON: expected ',' or '}' in an object"
            ])
    }

    @Test("reports malformed JSON documents with their line and unknown keys once")
    func jsonErrors() {
        let bad = ChangeListReader.read(
            data: Data("[\n{\"id\": 1},\n{\"nmae\": \"x\"},\n{\"nmae\": \"y\"}\n".utf8), file: "c.json")
        #expect(
            bad.diagnostics.map(\.description) == [
                "c.json:2: error: 'id' must be a string",
                "c.json:3: error: unknown key 'nmae' (did you mean 'name'?)",
                "c.json:3: error: row has no selector: give 'id' or at least one 'match.<field>'",
                "c.json:4: error: row has no selector: give 'id' or at least one 'match.<field>'",
                "c.json:5: error: malformed JSON: expected ']'",
            ])
    }

    @Test("detects the format from the extension, else from the first byte")
    func formats() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cases: [(String, String, ChangeListFormat)] = [
            ("a.csv", "id,name\n\(id),x\n", .csv), ("b.json", "[{\"id\":\"\(id)\",\"name\":\"x\"}]", .json),
            ("c.jsonl", "{\"id\":\"\(id)\",\"name\":\"x\"}\n", .jsonLines),
            ("d.list", "\u{FEFF}{\"id\":\"\(id)\",\"name\":\"x\"}\n", .jsonLines),
        ]
        for (name, text, format) in cases {
            let url = directory.appendingPathComponent(name)
            try Data(text.utf8).write(to: url)
            let list = try ChangeListReader.read(url: url, displayName: name)
            #expect(list.format == format, "\(name)")
            #expect(list.rows.count == 1, "\(name)")
            #expect(list.digest == Digests.sha256Hex(Data(text.utf8)))
        }
    }

    @Test("a missing file is an InputError")
    func missing() {
        #expect(throws: InputError.self) { try ChangeListReader.read(url: URL(fileURLWithPath: "/nonexistent/x.csv")) }
    }
}
