import Foundation

/// The org's IntegrationConfigs as the API returns them: what a plan is computed against.
///
/// Read from a saved state file (a JSON list of configs, or a list response `{"data": [...]}`)
/// or built from a list sweep. Decoding is lenient like ``IntegrationConfig``'s: unknown keys are
/// ignored, optionals may be absent or `null`, and a member of the wrong type counts as absent.
public struct Snapshot: Sendable {
    /// How the configs are held.
    enum Storage: Sendable {
        /// Decoded (a list sweep, tests, or a file the fast scan declined).
        case decoded([IntegrationConfig])
        /// A snapshot file indexed where it lies, decoded config by config on demand.
        case indexed(SnapshotIndex)
    }

    let storage: Storage

    public init(configs: [IntegrationConfig]) {
        storage = .decoded(configs)
    }

    init(index: SnapshotIndex) {
        storage = .indexed(index)
    }

    /// The number of configs.
    public var count: Int {
        switch storage {
        case .decoded(let configs): configs.count
        case .indexed(let index): index.count
        }
    }

    /// The configs, in the order the API listed them (decoded on each call for a snapshot read
    /// from a file: use ``config(at:)`` for one).
    public var configs: [IntegrationConfig] {
        switch storage {
        case .decoded(let configs): configs
        case .indexed(let index): (0..<index.count).map(index.config(at:))
        }
    }

    /// The config at `index` (`0..<count`).
    public func config(at index: Int) -> IntegrationConfig {
        switch storage {
        case .decoded(let configs): configs[index]
        case .indexed(let snapshot): snapshot.config(at: index)
        }
    }

    /// The id of the config at `index` (`0..<count`).
    public func id(at index: Int) -> String {
        switch storage {
        case .decoded(let configs): configs[index].id
        case .indexed(let snapshot): snapshot.id(at: index)
        }
    }

    /// The positions (`0..<count`) of the configs these ids name, each read as a change list's
    /// `id` is (as written, else lower-cased); `nil` for an id no config has. With a repeated id
    /// the later config wins. A snapshot read from a file is searched on every core.
    public func indices(ofIDs ids: [String]) -> [Int?] {
        switch storage {
        case .decoded(let configs):
            var table: [String: Int] = [:]
            table.reserveCapacity(configs.count)
            for (index, config) in configs.enumerated() { table[config.id] = index }
            return ids.map { table[$0] ?? table[$0.lowercased()] }
        case .indexed(let index):
            let lanes = ids.count >= 8_192 ? ProcessInfo.processInfo.activeProcessorCount : 1
            let perLane = (ids.count + lanes - 1) / max(lanes, 1)
            let parts = ParallelSlots<[Int?]>(count: lanes)
            DispatchQueue.concurrentPerform(iterations: lanes) { lane in
                parts[lane] = ids[min(ids.count, lane * perLane)..<min(ids.count, (lane + 1) * perLane)].map {
                    index.index(ofRowID: $0)
                }
            }
            return (0..<lanes).flatMap { parts[$0] ?? [] }
        }
    }

    /// Reads a saved state file.
    ///
    /// The file is indexed where it lies (memory-mapped): each config is decoded only when a plan
    /// needs it. A file the fast scan cannot index (invalid, or an unusual shape such as escapes
    /// in an `id`) is decoded in full instead, which reports the exact error.
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

    static func decode(
        _ mapped: MappedFile, name: String, parallelAbove threshold: Int = TwoLaneRead.threshold
    ) throws(InputError) -> Snapshot {
        if let index = index(mapped, parallelAbove: threshold) { return Snapshot(index: index) }
        return Snapshot(configs: try decodeAll(mapped, name: name))
    }

    // MARK: Fast path: index

    /// The index of a snapshot file, or `nil` when the scan declines it (see ``SnapshotScanner``).
    static func index(_ mapped: MappedFile, parallelAbove threshold: Int) -> SnapshotIndex? {
        var scanner = SnapshotScanner(bytes: mapped.bytes, offset: 0)
        var parts: [ScannedConfigs] = []
        switch scanner.peek() {
        case UInt8(ascii: "["):
            guard scanArray(&scanner, mapped: mapped, into: &parts, parallelAbove: threshold) else { return nil }
        case UInt8(ascii: "{"):
            _ = scanner.consume(UInt8(ascii: "{"))
            var found = false
            if !scanner.consume(UInt8(ascii: "}")) {
                repeat {
                    guard scanner.peek() == UInt8(ascii: "\""), let key = scanner.scanString(), !key.escaped,
                        scanner.consume(UInt8(ascii: ":"))
                    else { return nil }
                    let isData =
                        key.length == 4
                        && memcmp(mapped.bytes.baseAddress.unsafelyUnwrapped + key.start, "data", 4) == 0
                    if isData {
                        guard !found, scanner.peek() == UInt8(ascii: "["),
                            scanArray(&scanner, mapped: mapped, into: &parts, parallelAbove: threshold)
                        else { return nil }
                        found = true
                    } else {
                        guard scanner.scanValue(depth: 1) else { return nil }
                    }
                } while scanner.consume(UInt8(ascii: ","))
                guard scanner.consume(UInt8(ascii: "}")) else { return nil }
            }
            guard found else { return nil }
        default:
            return nil
        }
        guard scanner.peek() == nil else { return nil }
        return SnapshotIndex(file: mapped, parts: parts)
    }

    /// Scans a JSON array of configs, `[` to `]` (a large one on two lanes: ``TwoLaneRead``),
    /// into one part per lane.
    private static func scanArray(
        _ scanner: inout SnapshotScanner, mapped: MappedFile, into parts: inout [ScannedConfigs],
        parallelAbove threshold: Int
    ) -> Bool {
        guard scanner.consume(UInt8(ascii: "[")) else { return false }
        if scanner.consume(UInt8(ascii: "]")) { return true }
        let start = scanner.offset
        let release: @Sendable (Int, Int) -> Void = { from, to in mapped.release(from: from, upTo: to) }
        let lanes = TwoLaneRead.read(mapped.bytes, from: start, parallelAbove: threshold) { from, stopAt in
            var read = SnapshotScanner(bytes: mapped.bytes, offset: from)
            var found = ScannedConfigs(reserving: ((stopAt ?? mapped.bytes.count) - from) / 512)
            var stop = read.scanConfigs(into: &found, stopAt: stopAt, release: release)
            if stopAt == nil, read.peek() != UInt8(ascii: "]") { stop = nil }
            return (found, stop)
        }
        if let (first, second) = lanes {
            parts = [first, second]
            // The second lane ended before the list's `]`: the end of its last config.
            scanner = SnapshotScanner(bytes: mapped.bytes, offset: second.entries.last.map(\.end) ?? start)
        } else {
            var found = ScannedConfigs()
            guard scanner.scanConfigs(into: &found, stopAt: nil, release: release) != nil else { return false }
            parts = [found]
        }
        return scanner.consume(UInt8(ascii: "]"))
    }

    // MARK: Full decode (fallback, and exact errors)

    private static func decodeAll(_ mapped: MappedFile, name: String) throws(InputError) -> [IntegrationConfig] {
        var parser = JSONParser(bytes: mapped.bytes)
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
                        if try parser.parseKey(in: [Array("data".utf8)]) == 0 {
                            try parser.expect(UInt8(ascii: ":"))
                            guard parser.peek() == UInt8(ascii: "[") else {
                                throw parser.error("'data' must be a list")
                            }
                            try readArray(&parser, into: &configs)
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
        return configs
    }

    /// Reads the configs of a JSON array, `[` to `]`.
    private static func readArray(
        _ parser: inout JSONParser, into configs: inout [IntegrationConfig]
    ) throws(JSONSyntaxError) {
        try parser.expect(UInt8(ascii: "["))
        if parser.consume(UInt8(ascii: "]")) { return }
        var table = StringTable()
        repeat {
            configs.append(try config(&parser, interning: &table))
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
        var table = StringTable(slots: 16)
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
