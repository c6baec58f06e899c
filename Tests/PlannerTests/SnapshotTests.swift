import Foundation
import Planner
import Testing

@Suite("Snapshot")
struct SnapshotTests {
    @Test("reads a list or a list response, leniently")
    func lenient() throws {
        let config = """
            {"id":"c1","version":3,"entityType":"Bill","destination":"Webhook","configData":{"a":[1]},"enabled":null,
             "name":null,"unknown":{"deep":[1,2]},"authorized":"yes","triggerType":"EVENT"}
            """
        for text in [
            "[\(config)]", "{\"data\":[\(config)],\"nextToken\":null}", "{\"nextToken\":\"x\",\"data\":[\(config)]}",
        ] {
            let snapshot = try Snapshot.decode(Data(text.utf8))
            #expect(
                snapshot.configs == [
                    IntegrationConfig(
                        id: "c1", version: 3, entityType: "Bill", destination: "Webhook",
                        configData: ["a": .array([.integer(1)])], triggerType: "EVENT")
                ])
        }
    }

    @Test("decodes what JSONDecoder decodes for IntegrationConfig")
    func matchesCodable() throws {
        let text = """
            [{"id":"c1","version":2,"entityType":"Bill","entityId":"e","destination":"D","destinationId":"d",
              "configData":{"x":{"y":"z"},"n":1.5},"authorized":true,"enabled":false,"triggerType":"EVENT",
              "integrationCredentialsId":"k","name":"N","dtCreated":"t1","dtLastModified":"t2","createdBy":"u",
              "lastModifiedBy":"v"},
             {"id":"c2"}]
            """
        let fast = try Snapshot.decode(Data(text.utf8)).configs
        let slow = try JSONDecoder().decode([IntegrationConfig].self, from: Data(text.utf8))
        #expect(fast == slow)
    }

    @Test("a file that is not a snapshot is an error with its line")
    func invalid() {
        #expect(
            throws: InputError.invalidSnapshot(path: "s.json", line: 2, message: "expected ',' or '}' in an object")
        ) {
            try Snapshot.decode(Data("[{\"id\":\"a\"\n \"x\":1}]".utf8), file: "s.json")
        }
        #expect(throws: InputError.invalidSnapshot(path: "s.json", line: 1, message: "no 'data' member")) {
            try Snapshot.decode(Data("{\"items\":[]}".utf8), file: "s.json")
        }
        #expect(throws: InputError.invalidSnapshot(path: "s.json", line: 1, message: "a config without a string 'id'"))
        {
            try Snapshot.decode(Data("[{\"version\":1}]".utf8), file: "s.json")
        }
    }

    @Test("repeated, escaped and non-ASCII strings equal JSONDecoder's")
    func interning() throws {
        let values = [
            "2025-01-01T00:00:00.000000Z", "2025-01-01T00:00:00.000001Z", "with \\\"escapes\\\" inside it ok",
            "Zürich-destination-identifier", "short", String(repeating: "x", count: 80),
        ]
        var elements: [String] = []
        for number in 0..<3_000 {
            let value = values[number % values.count] + (number % 7 == 0 ? "-\(number)" : "")
            elements.append(
                "{\"id\":\"c\(number)\",\"dtCreated\":\"\(value)\",\"createdBy\":\"\(values[(number + 1) % values.count])\","
                    + "\"destinationId\":null,\"triggerType\":7}")
        }
        let data = Data(("[" + elements.joined(separator: ",") + "]").utf8)
        let snapshot = try Snapshot.decode(data)
        let decoded = try JSONDecoder().decode([IntegrationConfig].self, from: data)
        #expect(snapshot.configs == decoded)
    }
}
