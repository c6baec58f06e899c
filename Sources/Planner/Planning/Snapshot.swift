import Foundation

/// The org's IntegrationConfigs as the API returns them: what a plan is computed against.
///
/// Built from a list sweep, or read from a saved state file (a JSON list of configs, or a list
/// response `{"data": [...]}`). Configs are read as ``IntegrationConfig/init(json:)`` reads them.
public struct Snapshot: Sendable {
    /// The configs, in the order the API listed them.
    public var configs: [IntegrationConfig]

    public init(configs: [IntegrationConfig]) {
        self.configs = configs
    }

    /// Reads a saved state file.
    ///
    /// - Throws: ``InputError`` when the file cannot be read or is not a snapshot.
    public static func read(url: URL, displayName: String? = nil) throws(InputError) -> Snapshot {
        let name = displayName ?? url.relativePath
        do {
            return try decode(Data(contentsOf: url), file: name)
        } catch let error as InputError {
            throw error
        } catch {
            throw .unreadable(path: name, reason: error.localizedDescription)
        }
    }

    /// Decodes a snapshot held in memory.
    public static func decode(_ data: Data, file: String = "snapshot") throws(InputError) -> Snapshot {
        var parser = JSONParser(bytes: Array(data))
        var configs: [IntegrationConfig] = []
        do throws(JSONSyntaxError) {
            switch parser.peek() {
            case UInt8(ascii: "["):
                try readArray(&parser, into: &configs)
            case UInt8(ascii: "{"):
                _ = parser.consume(UInt8(ascii: "{"))
                var found = false
                if !parser.consume(UInt8(ascii: "}")) {
                    repeat {
                        guard parser.peek() == UInt8(ascii: "\"") else { throw parser.error("expected a member name") }
                        let key = try parser.parseString()
                        try parser.expect(UInt8(ascii: ":"))
                        if key == "data" {
                            guard parser.peek() == UInt8(ascii: "[") else {
                                throw parser.error("'data' must be a list")
                            }
                            try readArray(&parser, into: &configs)
                            found = true
                        } else {
                            _ = try parser.parseValue()
                        }
                    } while parser.consume(UInt8(ascii: ","))
                    try parser.expect(UInt8(ascii: "}"))
                }
                guard found else { throw parser.error("no 'data' member") }
            default:
                throw parser.error("expected '[' or '{'")
            }
            if parser.peek() != nil { throw parser.error("unexpected text after the snapshot") }
        } catch {
            throw .invalidSnapshot(path: file, line: error.line, message: error.message)
        }
        return Snapshot(configs: configs)
    }

    /// Reads the configs of a JSON array, `[` to `]`, each one's problems reported at its line.
    private static func readArray(_ parser: inout JSONParser, into configs: inout [IntegrationConfig])
        throws(JSONSyntaxError)
    {
        try parser.expect(UInt8(ascii: "["))
        if parser.consume(UInt8(ascii: "]")) { return }
        repeat {
            _ = parser.peek()
            let line = parser.line
            let element = try parser.parseValue()
            guard let config = IntegrationConfig(json: element) else {
                throw JSONSyntaxError(message: notAConfig(element), line: line, column: 1)
            }
            configs.append(config)
        } while parser.consume(UInt8(ascii: ","))
        try parser.expect(UInt8(ascii: "]"))
    }

    private static func notAConfig(_ value: JSONValue) -> String {
        if case .object = value { return "a config without a string 'id'" }
        return "each config must be a JSON object"
    }
}
