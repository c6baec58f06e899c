import Planner
import Testing

@Suite("JSON parser")
struct JSONParserTests {
    @Test(
        "parses values",
        arguments: [
            ("null", JSONValue.null), ("\"Zürich 東京 😀\"", .string("Zürich 東京 😀")), ("true", .bool(true)),
            ("false", .bool(false)), ("42", .integer(42)),
            ("-7", .integer(-7)), ("4.5", .double(4.5)), ("1e3", .double(1000)),
            ("9223372036854775807", .integer(.max)),
            ("-9223372036854775808", .integer(.min)), ("18446744073709551616", .double(18_446_744_073_709_551_616)),
            (#""a\"b\\c\/\n\u00e9\ud83d\ude00""#, .string("a\"b\\c/\né😀")),
            (" [1, \"x\", {}] ", .array([.integer(1), .string("x"), .object([:])])),
            (#"{"a":{"b":[null]}}"#, .object(["a": .object(["b": .array([.null])])])),
        ])
    func parses(_ text: String, _ expected: JSONValue) throws {
        #expect(try JSONValue(parsing: text) == expected)
    }

    @Test(
        "rejects malformed JSON with its line",
        arguments: [
            ("007", 1), ("{\"a\":1,}", 1), ("[1,\n2,\n]", 3), ("\"open", 1), ("{\"a\" 1}", 1), ("tru", 1), ("1 2", 1),
            ("{\n\"a\":\n\"x\ny\"}", 3), ("", 1), ("[1.]", 1), ("-", 1),
        ])
    func rejects(_ text: String, _ line: Int) throws {
        let error = try #require(throws: JSONSyntaxError.self) { try JSONParser.parse(text) }
        #expect(error.line == line)
    }

    @Test("canonical text sorts keys and round-trips")
    func canonical() throws {
        let value = try JSONValue(parsing: #"{"b":[1,2.5,"x"],"a":{"d":null,"c":true}}"#)
        #expect(value.canonicalText == #"{"a":{"c":true,"d":null},"b":[1,2.5,"x"]}"#)
        #expect(try JSONValue(parsing: value.canonicalText) == value)
    }
}
