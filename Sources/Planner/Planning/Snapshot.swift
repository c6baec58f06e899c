import Foundation

/// The org's IntegrationConfigs as the API returns them: what a plan is computed against.
///
/// Read from a saved state file (a JSON list of configs, or a list response `{"data": [...]}`)
/// or built from a list sweep. Decoding is lenient like ``IntegrationConfig``'s: unknown keys are
/// ignored, optionals may be absent or `null`, and a member of the wrong type counts as absent.
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
        let file = try MappedFile(url: url)
        return try decode(file, name: displayName ?? url.relativePath)
    }

    /// Decodes a snapshot held in memory.
    public static func decode(_ data: Data, file: String = "snapshot") throws(InputError) -> Snapshot {
        try decode(MappedFile(data: data), name: file)
    }

    static func decode(_ mapped: MappedFile, name: String) throws(InputError) -> Snapshot {
        var parser = JSONParser(bytes: mapped.bytes)
        var configs: [IntegrationConfig] = []
        do throws(JSONSyntaxError) {
            switch parser.peek() {
            case UInt8(ascii: "["):
                try readArray(&parser, mapped: mapped, into: &configs, file: name)
            case UInt8(ascii: "{"):
                _ = parser.consume(UInt8(ascii: "{"))
                var found = false
                if !parser.consume(UInt8(ascii: "}")) {
                    repeat {
                        if try parser.parseKey(in: [Array("data".utf8)]) == 0 {
                            try parser.expect(UInt8(ascii: ":"))
                            guard parser.peek() == UInt8(ascii: "[") else {
                                throw parser.error("'data' must be a list")
                            }
                            try readArray(&parser, mapped: mapped, into: &configs, file: name)
                            found = true
                        } else {
                            try parser.expect(UInt8(ascii: ":"))
                            try parser.skipValue()
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
            throw .invalidSnapshot(path: name, line: error.line, message: error.message)
        }
        return Snapshot(configs: configs)
    }

    private static func readArray(
        _ parser: inout JSONParser, mapped: MappedFile, into configs: inout [IntegrationConfig], file: String
    ) throws(JSONSyntaxError) {
        try parser.expect(UInt8(ascii: "["))
        if parser.consume(UInt8(ascii: "]")) { return }
        repeat {
            configs.append(try config(&parser))
            if configs.count & 0x3FFF == 0 { mapped.release(upTo: parser.offset) }
        } while parser.consume(UInt8(ascii: ","))
        try parser.expect(UInt8(ascii: "]"))
    }

    private static let keys: [[UInt8]] = [
        "id", "version", "entityType", "entityId", "destination", "destinationId", "configData", "authorized",
        "enabled", "triggerType", "integrationCredentialsId", "name", "dtCreated", "dtLastModified", "createdBy",
        "lastModifiedBy",
    ].map { Array($0.utf8) }

    /// Decodes one config object straight from the parser (no intermediate dictionary).
    static func config(_ parser: inout JSONParser) throws(JSONSyntaxError) -> IntegrationConfig {
        guard parser.peek() == UInt8(ascii: "{") else { throw parser.error("each config must be a JSON object") }
        let line = parser.line
        _ = parser.consume(UInt8(ascii: "{"))
        var out = IntegrationConfig(id: "", version: 0, entityType: "", destination: "")
        var hasID = false
        if !parser.consume(UInt8(ascii: "}")) {
            repeat {
                let key = try parser.parseKey(in: keys)
                try parser.expect(UInt8(ascii: ":"))
                guard let key else {
                    try parser.skipValue()
                    continue
                }
                let value = try parser.parseValue()
                switch key {
                case 0:
                    if let id = value.stringValue {
                        out.id = id
                        hasID = true
                    }
                case 1:
                    switch value {
                    case .integer(let number): out.version = number
                    case .double(let number): out.version = Int64(exactly: number) ?? 0
                    default: break
                    }
                case 2: out.entityType = value.stringValue ?? ""
                case 3: out.entityId = value.stringValue
                case 4: out.destination = value.stringValue ?? ""
                case 5: out.destinationId = value.stringValue
                case 6: out.configData = value.objectValue
                case 7: out.authorized = value.boolValue
                case 8: out.enabled = value.boolValue
                case 9: out.triggerType = value.stringValue
                case 10: out.integrationCredentialsId = value.stringValue
                case 11: out.name = value.stringValue
                case 12: out.dtCreated = value.stringValue
                case 13: out.dtLastModified = value.stringValue
                case 14: out.createdBy = value.stringValue
                default: out.lastModifiedBy = value.stringValue
                }
            } while parser.consume(UInt8(ascii: ","))
            guard parser.consume(UInt8(ascii: "}")) else { throw parser.error("expected ',' or '}' in a config") }
        }
        guard hasID else {
            throw JSONSyntaxError(message: "a config without a string 'id'", line: line, column: 1)
        }
        return out
    }
}

extension JSONValue {
    /// The boolean, or `nil` when this is not a boolean.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }
}
