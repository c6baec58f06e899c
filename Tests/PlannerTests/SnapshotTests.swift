import Foundation
import Testing

@testable import Planner

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
        #expect(throws: InputError.invalidSnapshot(path: "s.json", line: 2, message: "expected ',' or '}' in a config"))
        {
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

    @Test(
        "a snapshot read on two lanes equals the sequential read, strings that look like boundaries included",
        arguments: [0, 1, 2, 3, 4])
    func parallelEqualsSequential(_ layout: Int) throws {
        var elements: [String] = []
        for number in 0..<40 {
            let tricky = number % 3 == 0 ? "},{" : number % 3 == 1 ? "}, \\n {" : "plain"
            elements.append(
                "{\"id\":\"c\(number)\",\"version\":\(number),\"entityType\":\"Bill\",\"destination\":\"Webhook\","
                    + "\"name\":\"n\(tricky)\",\"configData\":{\"k\":\"\(tricky)\",\"o\":{\"a\":[1,{}]}}}")
        }
        let separator = [",", ",\n", " ,\n  ", "\n,", ",\r\n"][layout]
        let text =
            (layout % 2 == 0 ? "{\"data\":[" : "[\n") + elements.joined(separator: separator)
            + (layout % 2 == 0 ? "]}" : "\n]\n")
        let data = Data(text.utf8)
        let sequential = try Snapshot.decode(MappedFile(data: data), name: "s", parallelAbove: .max)
        let parallel = try Snapshot.decode(MappedFile(data: data), name: "s", parallelAbove: 0)
        #expect(sequential.configs.count == 40)
        #expect(parallel.configs == sequential.configs)
    }

    @Test("errors read on two lanes name the same line as a sequential read", arguments: [10, 30])
    func parallelErrors(_ broken: Int) {
        var lines: [String] = []
        for number in 0..<40 {
            lines.append(
                number == broken
                    ? "{\"id\":\"c\(number)\",\"version\":}" : "{\"id\":\"c\(number)\",\"version\":\(number)}")
        }
        let data = Data(("[\n" + lines.joined(separator: ",\n") + "\n]").utf8)
        var errors: [InputError] = []
        for threshold in [Int.max, 0] {
            do {
                _ = try Snapshot.decode(MappedFile(data: data), name: "s", parallelAbove: threshold)
            } catch {
                errors.append(error)
            }
        }
        #expect(errors.count == 2)
        #expect(errors.first == errors.last)
    }

    @Test("trailing text after a snapshot read on two lanes is reported on its line")
    func parallelTrailing() {
        let body = (0..<20).map { "{\"id\":\"c\($0)\"}" }.joined(separator: ",\n")
        let data = Data(("[" + body + "]\nextra").utf8)
        #expect(throws: InputError.invalidSnapshot(path: "s", line: 21, message: "unexpected text after the snapshot"))
        {
            try Snapshot.decode(MappedFile(data: data), name: "s", parallelAbove: 0)
        }
    }

    @Test("repeated, escaped and non-ASCII strings read through the string table equal JSONDecoder's")
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
