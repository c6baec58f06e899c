import Foundation
import Planner
import TestSupport
import Testing

@Suite("CSV reader")
struct CSVReaderTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var input: String
        var records: [CSVRecord]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "LF line ends", input: "a,b\n1,2\n",
            records: [.init(line: 1, fields: ["a", "b"]), .init(line: 2, fields: ["1", "2"])]),
        Case(
            name: "CRLF line ends", input: "a,b\r\n1,2\r\n",
            records: [.init(line: 1, fields: ["a", "b"]), .init(line: 2, fields: ["1", "2"])]),
        Case(
            name: "no final line break", input: "a,b\n1,2",
            records: [.init(line: 1, fields: ["a", "b"]), .init(line: 2, fields: ["1", "2"])]),
        Case(
            name: "UTF-8 byte-order mark", input: "\u{FEFF}id,name\nx,y\n",
            records: [.init(line: 1, fields: ["id", "name"]), .init(line: 2, fields: ["x", "y"])]),
        Case(
            name: "quoted field with doubled quotes", input: "a\n\"say \"\"hi\"\"\"\n",
            records: [.init(line: 1, fields: ["a"]), .init(line: 2, fields: ["say \"hi\""])]),
        Case(
            name: "quoted field with an embedded newline keeps the record's start line",
            input: "a,b\n\"line 1\nline 2\",x\ny,z\n",
            records: [
                .init(line: 1, fields: ["a", "b"]), .init(line: 2, fields: ["line 1\nline 2", "x"]),
                .init(line: 4, fields: ["y", "z"]),
            ]),
        Case(
            name: "quoted field with an embedded CRLF", input: "a\r\n\"1\r\n2\"\r\n",
            records: [.init(line: 1, fields: ["a"]), .init(line: 2, fields: ["1\r\n2"])]),
        Case(
            name: "quoted comma", input: "a,b\n\"x,y\",z",
            records: [.init(line: 1, fields: ["a", "b"]), .init(line: 2, fields: ["x,y", "z"])]),
        Case(
            name: "empty fields", input: "a,b,c\n,,\n",
            records: [.init(line: 1, fields: ["a", "b", "c"]), .init(line: 2, fields: ["", "", ""])]),
        Case(
            name: "empty quoted field", input: "a,b\n\"\",x\n",
            records: [.init(line: 1, fields: ["a", "b"]), .init(line: 2, fields: ["", "x"])]),
        Case(
            name: "blank lines are skipped", input: "a\n\n1\r\n\r\n2\n\n",
            records: [.init(line: 1, fields: ["a"]), .init(line: 3, fields: ["1"]), .init(line: 5, fields: ["2"])]),
        Case(
            name: "non-ASCII text", input: "name\nZürich – 東京 🚀\n",
            records: [.init(line: 1, fields: ["name"]), .init(line: 2, fields: ["Zürich – 東京 🚀"])]),
        Case(
            name: "spaces are kept", input: "a\n  x  \n",
            records: [.init(line: 1, fields: ["a"]), .init(line: 2, fields: ["  x  "])]),
        Case(
            name: "quoted field at the very end without a line break", input: "a\n\"x\"",
            records: [.init(line: 1, fields: ["a"]), .init(line: 2, fields: ["x"])]),
        Case(name: "empty input", input: "", records: []),
    ]

    @Test("reads", arguments: cases)
    func reads(_ testCase: Case) throws {
        #expect(try Self.read(testCase.input) == testCase.records)
    }

    struct Failure: Sendable, CustomTestStringConvertible {
        var name: String
        var input: String
        var error: CSVError
        var testDescription: String { name }
    }

    static let failures: [Failure] = [
        Failure(
            name: "quote inside an unquoted field", input: "a,b\nx,y\"z\n",
            error: CSVError(
                "'\"' inside an unquoted field (quote the whole field and double the '\"')", line: 2, column: 2)),
        Failure(
            name: "text after a closing quote", input: "a,b\n\"x\"y,z\n",
            error: CSVError(
                "unexpected text after a closing quote (double a '\"' inside a quoted field)", line: 2, column: 1)),
        Failure(
            name: "unterminated quoted field", input: "a,b\n1,\"open\n2,3\n",
            error: CSVError("quoted field is never closed (a '\"' is missing)", line: 2, column: 2)),
    ]

    @Test("reports malformed records with line and column", arguments: failures)
    func fails(_ failure: Failure) throws {
        #expect(throws: failure.error) { try Self.read(failure.input) }
    }

    @Test("continues after a malformed record")
    func recovers() throws {
        var reader = CSVReader(bytes: Array(Data("a\nx\"y\nok\n".utf8)))
        #expect(try reader.next() == CSVRecord(line: 1, fields: ["a"]))
        #expect(throws: CSVError.self) { try reader.next() }
        #expect(try reader.next() == CSVRecord(line: 3, fields: ["ok"]))
        #expect(try reader.next() == nil)
    }

    @Test("rejects invalid UTF-8")
    func invalidUTF8() throws {
        var reader = CSVReader(bytes: Array(Data([0x61, 0x0A, 0xFF, 0xFE, 0x0A])))
        _ = try reader.next()
        #expect(throws: CSVError("field is not valid UTF-8", line: 2, column: 1)) { try reader.next() }
    }

    @Test("random field values written as CSV read back equal (seeded property test)")
    func roundTrip() throws {
        var random = SplitMix64(seed: 0x5EED_CAFE)
        let alphabet: [Character] = [
            "a", "Z", "0", " ", ",", "\"", "\n", "\r", "\r\n", "é", "😀", "\\", "N", "\t", "'", "-",
        ]
        for _ in 0..<300 {
            let columns = Int.random(in: 1...5, using: &random)
            let rows = (0..<Int.random(in: 1...6, using: &random)).map { _ in
                (0..<columns).map { _ in
                    String(
                        (0..<Int.random(in: 0...8, using: &random)).map { _ in
                            alphabet.randomElement(using: &random) ?? "a"
                        })
                }
            }
            let lineEnd = Bool.random(using: &random) ? "\r\n" : "\n"
            // A row of one empty field is a blank line, which readers skip: make it non-blank.
            let written =
                rows.map { row in
                    row.map { field in
                        field.unicodeScalars.contains(where: { ",\"\r\n".unicodeScalars.contains($0) })
                            || (row.count == 1 && field.isEmpty)
                            ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
                    }.joined(separator: ",")
                }.joined(separator: lineEnd) + (Bool.random(using: &random) ? lineEnd : "")
            let read = try Self.read(written).map(\.fields)
            #expect(read == rows, "CSV: \(written.debugDescription)")
        }
    }

    @Test("long unquoted fields with lone CRs and non-ASCII text at every offset read back equal (seeded)")
    func longUnquotedFields() throws {
        var random = SplitMix64(seed: 0x0DD_F1E1D)
        let pieces = ["a", "b", "7", " ", "\r", "é", "東", "🚀", "-", "\\", "N", "\t"]
        for _ in 0..<300 {
            let rows = (0..<Int.random(in: 1...4, using: &random)).map { _ in
                (0..<Int.random(in: 1...4, using: &random)).map { _ in
                    String(
                        (0..<Int.random(in: 1...30, using: &random)).map { _ in
                            pieces.randomElement(using: &random) ?? "a"
                        }
                        .joined())
                }
            }
            // A CR just before the line end would be read as part of a CRLF: keep rows from ending in one.
            let safe = rows.map { row in row.map { $0.hasSuffix("\r") ? $0 + "x" : $0 } }
            let text = safe.map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
            #expect(try Self.read(text).map(\.fields) == safe, "CSV: \(text.debugDescription)")
        }
    }

    @Test("an invalid UTF-8 byte is found at any offset of a long field")
    func invalidUTF8Anywhere() throws {
        for offset in 0..<24 {
            var bytes =
                Array("id,name\n1,".utf8) + Array(repeating: UInt8(ascii: "x"), count: 24) + Array("\n2,ok\n".utf8)
            bytes[10 + offset] = 0xFF
            var reader = CSVReader(bytes: Array(Data(bytes)))
            _ = try reader.next()
            #expect(throws: CSVError("field is not valid UTF-8", line: 2, column: 2)) { try reader.next() }
            #expect(try reader.next() == CSVRecord(line: 3, fields: ["2", "ok"]))
        }
    }

    static func read(_ text: String) throws -> [CSVRecord] {
        var reader = CSVReader(bytes: Array(Data(text.utf8)))
        var out: [CSVRecord] = []
        while let record = try reader.next() { out.append(record) }
        return out
    }
}
