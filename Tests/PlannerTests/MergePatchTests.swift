import Planner
import Testing

@Suite("JSON merge patch (RFC 7386)")
struct MergePatchTests {
    /// RFC 7386 appendix A: original, patch, result.
    static let vectors: [(String, String, String)] = [
        (#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#),
        (#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#),
        (#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#),
        (#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"c"}"#, #"{"a":["b"]}"#, #"{"a":["b"]}"#),
        (#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#),
        (#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#),
        (#"["a","b"]"#, #"["c","d"]"#, #"["c","d"]"#),
        (#"{"a":"b"}"#, #"["c"]"#, #"["c"]"#),
        (#"{"a":"foo"}"#, #"null"#, #"null"#),
        (#"{"a":"foo"}"#, #""bar""#, #""bar""#),
        (#"{"e":null}"#, #"{"a":1}"#, #"{"a":1,"e":null}"#),
        (#"[1,2]"#, #"{"a":"b","c":null}"#, #"{"a":"b"}"#),
        (#"{}"#, #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#),
    ]

    @Test("matches every example of RFC 7386 appendix A", arguments: 0..<vectors.count)
    func appendixA(_ index: Int) throws {
        let (original, patch, result) = Self.vectors[index]
        let merged = MergePatch.apply(try JSONValue(parsing: patch), to: try JSONValue(parsing: original))
        #expect(merged == (try JSONValue(parsing: result)))
    }

    @Test("treats an absent target as an empty object")
    func absentTarget() throws {
        #expect(
            MergePatch.apply(try JSONValue(parsing: #"{"a":{"b":null,"c":1}}"#), to: nil)
                == .object(["a": .object(["c": .integer(1)])]))
    }
}
