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

    /// Snapshots larger than this are decoded on two cores (see ``readArray``).
    static let parallelThreshold = 8 << 20

    static func decode(
        _ mapped: MappedFile, name: String, parallelAbove threshold: Int = parallelThreshold
    ) throws(InputError) -> Snapshot {
        var parser = JSONParser(bytes: mapped.bytes)
        var configs: [IntegrationConfig] = []
        do throws(JSONSyntaxError) {
            switch parser.peek() {
            case UInt8(ascii: "["):
                try readArray(&parser, mapped: mapped, into: &configs, parallelAbove: threshold)
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
                            try readArray(&parser, mapped: mapped, into: &configs, parallelAbove: threshold)
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

    /// Reads the configs of a JSON array, `[` to `]`.
    ///
    /// A large array is read by two lanes at once: the second lane starts at a guessed element
    /// boundary near the middle (`}` `,` `{`) and reads to the `]`; the first reads from the start
    /// and stops when it reaches that offset. The guess is used only when the first lane lands on
    /// it exactly after a `,` between two elements, which proves it a real boundary (a guess
    /// inside a string is never reached that way); otherwise the first lane simply reads on.
    /// Either way the result (and any error) is exactly that of one sequential read.
    private static func readArray(
        _ parser: inout JSONParser, mapped: MappedFile, into configs: inout [IntegrationConfig],
        parallelAbove threshold: Int
    ) throws(JSONSyntaxError) {
        try parser.expect(UInt8(ascii: "["))
        if parser.consume(UInt8(ascii: "]")) { return }
        let remaining = mapped.bytes.count - parser.offset
        if remaining > threshold, ProcessInfo.processInfo.activeProcessorCount > 1,
            let split = boundary(in: mapped.bytes, near: parser.offset + remaining / 2)
        {
            let head = ParallelSlots<Lane>(count: 1)
            let tail = ParallelSlots<Lane>(count: 1)
            let start = parser.offset
            DispatchQueue.concurrentPerform(iterations: 2) { lane in
                // Each lane counts lines from 1; the first lane's count is rebased on `parser` below.
                var read = Lane(parser: JSONParser(bytes: mapped.bytes, offset: lane == 0 ? start : split))
                do throws(JSONSyntaxError) {
                    if lane == 0 {
                        read.stop = try readElements(&read.parser, mapped: mapped, into: &read.configs, stopAt: split)
                    } else {
                        _ = try readElements(
                            &read.parser, mapped: mapped, into: &read.configs, stopAt: nil, ownPages: true)
                        read.stop = read.parser.peek() == UInt8(ascii: "]") ? read.parser.offset : nil
                    }
                } catch {
                    read.failed = true
                }
                (lane == 0 ? head : tail)[0] = read
            }
            let first = head[0]
            head[0] = nil
            let second = tail[0]
            tail[0] = nil
            if let first, !first.failed {
                configs = first.configs
                parser.continue(with: first.parser)
                if first.stop == split, let second, !second.failed, second.stop != nil {
                    configs.append(contentsOf: second.configs)
                    parser.continue(with: second.parser)
                } else if first.stop != nil {
                    _ = try readElements(&parser, mapped: mapped, into: &configs, stopAt: nil)
                }
            } else {
                // Read again on one lane for the exact error (line and column counted from the start).
                _ = try readElements(&parser, mapped: mapped, into: &configs, stopAt: nil)
            }
        } else {
            _ = try readElements(&parser, mapped: mapped, into: &configs, stopAt: nil)
        }
        try parser.expect(UInt8(ascii: "]"))
    }

    /// What one lane of ``readArray`` read.
    private struct Lane {
        var parser: JSONParser
        var configs: [IntegrationConfig] = []
        /// First lane: where it stopped (``readElements``); second lane: the offset of the `]`.
        var stop: Int?
        var failed = false
    }

    /// Reads comma-separated configs. Returns `nil` after the last element (no `,` follows), or,
    /// with `stopAt`, the offset of the next element once that is at or beyond `stopAt` (the
    /// parser then stands after the `,`). `ownPages`: release pages with explicit bounds (the
    /// second lane, which must not move the file's shared release mark).
    private static func readElements(
        _ parser: inout JSONParser, mapped: MappedFile, into configs: inout [IntegrationConfig], stopAt: Int?,
        ownPages: Bool = false
    ) throws(JSONSyntaxError) -> Int? {
        var releasedTo = parser.offset
        var table = StringTable()
        repeat {
            configs.append(try config(&parser, interning: &table))
            if configs.count & 0x3FFF == 0 {
                if ownPages {
                    mapped.release(from: releasedTo, upTo: parser.offset)
                    releasedTo = parser.offset
                } else {
                    mapped.release(upTo: parser.offset)
                }
            }
            guard parser.consume(UInt8(ascii: ",")) else { return nil }
            if let stopAt, parser.peek() != nil, parser.offset >= stopAt { return parser.offset }
        } while true
    }

    /// The offset of a `{` that follows `}` `,` (whitespace allowed) at or after `offset`, within 1 MB.
    private static func boundary(in bytes: UnsafeRawBufferPointer, near offset: Int) -> Int? {
        var index = offset
        let end = min(bytes.count, offset + (1 << 20))
        while index < end {
            guard bytes[index] == UInt8(ascii: "}") else {
                index += 1
                continue
            }
            var next = index + 1
            while next < end, isWhitespace(bytes[next]) { next += 1 }
            guard next < end, bytes[next] == UInt8(ascii: ",") else {
                index += 1
                continue
            }
            next += 1
            while next < end, isWhitespace(bytes[next]) { next += 1 }
            if next < end, bytes[next] == UInt8(ascii: "{") { return next }
            index += 1
        }
        return nil
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    private static let keys: [[UInt8]] = [
        "id", "version", "entityType", "entityId", "destination", "destinationId", "configData", "authorized",
        "enabled", "triggerType", "integrationCredentialsId", "name", "dtCreated", "dtLastModified", "createdBy",
        "lastModifiedBy",
    ].map { Array($0.utf8) }

    /// Decodes one config object straight from the parser (no intermediate dictionary).
    static func config(_ parser: inout JSONParser) throws(JSONSyntaxError) -> IntegrationConfig {
        var table = StringTable()
        return try config(&parser, interning: &table)
    }

    /// Members whose values repeat across an org's configs (types, destinations, credentials,
    /// timestamps, users): read through a ``StringTable``.
    private static let repetitive: Set<Int> = [2, 4, 5, 9, 10, 12, 13, 14, 15]

    /// Decodes one config, sharing repeated strings through `table`.
    static func config(
        _ parser: inout JSONParser, interning table: inout StringTable
    ) throws(JSONSyntaxError) -> IntegrationConfig {
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
                let value: JSONValue =
                    repetitive.contains(key) && parser.peek() == UInt8(ascii: "\"")
                    ? .string(try parser.parseString(interning: &table)) : try parser.parseValue()
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
