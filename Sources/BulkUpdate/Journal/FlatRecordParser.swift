import Foundation

/// The fast path of journal replay: parses an outcome record that is a flat JSON object.
///
/// Returns `nil` for anything it does not handle (another record type, nested values, escaped
/// keys, fractional numbers, invalid JSON); the caller then falls back to `JSONDecoder`, which
/// either decodes the line or says what is wrong with it.
struct FlatRecordParser {
    private let bytes: UnsafeRawBufferPointer
    private var index = 0

    init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    private enum Key {
        case type, id, status, versionBefore, versionAfter, attempts, httpStatus, message, reconciled, time
    }

    private enum Value {
        case string(String)
        case integer(Int64)
        case bool(Bool)
        case null
    }

    private static let outcomeBytes = Array("outcome".utf8)

    private static let fixedPrefix = Array(#"{"type":"outcome","id":"#.utf8)
    private static let fixedKeys = [
        #","status":"#, #","versionBefore":"#, #","versionAfter":"#, #","attempts":"#, #","httpStatus":"#,
        #","message":"#, #","reconciled":"#, #","time":"#,
    ].map { Array($0.utf8) }

    /// Parses an outcome record, trying the writer's own fixed layout first.
    mutating func parseOutcome() -> ItemOutcome? {
        if let outcome = parseFixedOutcome() { return outcome }
        index = 0
        return parseAnyOutcome()
    }

    /// The layout ``JournalCodec/encode(_:)-(ItemOutcome)`` writes: keys in a fixed order, no spaces.
    private mutating func parseFixedOutcome() -> ItemOutcome? {
        let keys = Self.fixedKeys
        guard expect(Self.fixedPrefix), let id = parseString(), expect(keys[0]),
            let range = parseRawString(), let status = Self.status(in: range, of: bytes), expect(keys[1]),
            let versionBefore = parseOptionalInteger(), expect(keys[2]), let versionAfter = parseOptionalInteger(),
            expect(keys[3]), let attempts = parseInteger().flatMap({ Int(exactly: $0) }), expect(keys[4]),
            let httpStatus = parseOptionalInteger(), expect(keys[5])
        else { return nil }
        let message: String?
        if literal("null") {
            message = nil
        } else {
            guard let text = parseString() else { return nil }
            message = text
        }
        guard expect(keys[6]) else { return nil }
        let reconciled: Bool
        if literal("true") {
            reconciled = true
        } else if literal("false") {
            reconciled = false
        } else {
            return nil
        }
        guard expect(keys[7]), let time = parseTime(), consume(0x7D), index == bytes.count else { return nil }
        let status32 = httpStatus.flatMap { Int(exactly: $0) }
        guard httpStatus == nil || status32 != nil else { return nil }
        return ItemOutcome(
            id: id, status: status, versionBefore: versionBefore ?? nil, versionAfter: versionAfter ?? nil,
            attempts: attempts, httpStatus: status32, message: message, reconciled: reconciled, time: time)
    }

    /// `.some(nil)` for `null`, `.some(n)` for an integer, `nil` for anything else.
    private mutating func parseOptionalInteger() -> Int64?? {
        if literal("null") { return .some(nil) }
        guard let value = parseInteger() else { return nil }
        return .some(value)
    }

    /// Consumes `expected` when the bytes at the cursor equal it.
    private mutating func expect(_ expected: [UInt8]) -> Bool {
        guard index + expected.count <= bytes.count, let base = bytes.baseAddress else { return false }
        let equal = expected.withUnsafeBytes { other in
            guard let otherBase = other.baseAddress else { return expected.isEmpty }
            return memcmp(base + index, otherBase, expected.count) == 0
        }
        if equal { index += expected.count }
        return equal
    }

    private static func status(in range: Range<Int>, of bytes: UnsafeRawBufferPointer) -> OutcomeStatus? {
        guard let first = range.first else { return nil }
        let candidate: OutcomeStatus
        switch bytes[first] {
        case 0x61: candidate = .applied
        case 0x75: candidate = .unchanged
        case 0x65: candidate = .enabled
        case 0x63: candidate = .conflict
        case 0x66: candidate = .failed
        case 0x73: candidate = .skipped
        default: return nil
        }
        let name = candidate.rawValue.utf8
        guard name.count == range.count, zip(name, range).allSatisfy({ $0 == bytes[$1] }) else { return nil }
        return candidate
    }

    /// Any valid flat encoding of an outcome: keys in any order, whitespace, unknown keys refused.
    private mutating func parseAnyOutcome() -> ItemOutcome? {
        var isOutcome = false
        var id: String?
        var status: OutcomeStatus?
        var versionBefore: Int64?
        var versionAfter: Int64?
        var attempts: Int?
        var httpStatus: Int?
        var message: String?
        var reconciled: Bool?
        var time: Date?
        skipWhitespace()
        guard consume(0x7B) else { return nil }
        skipWhitespace()
        if peek() == 0x7D { return nil }
        while true {
            skipWhitespace()
            guard let key = parseKey() else { return nil }
            skipWhitespace()
            guard consume(0x3A) else { return nil }
            skipWhitespace()
            switch key {
            case .time:
                guard let date = parseTime() else { return nil }
                time = date
            case .type:
                guard let range = parseRawString(), matches(range, Self.outcomeBytes) else { return nil }
                isOutcome = true
            case .status:
                guard let range = parseRawString(), let found = Self.status(in: range, of: bytes) else { return nil }
                status = found
            default:
                guard let value = parseValue() else { return nil }
                switch (key, value) {
                case (.id, .string(let text)): id = text
                case (.versionBefore, .integer(let number)): versionBefore = number
                case (.versionBefore, .null): versionBefore = nil
                case (.versionAfter, .integer(let number)): versionAfter = number
                case (.versionAfter, .null): versionAfter = nil
                case (.attempts, .integer(let number)):
                    guard let small = Int(exactly: number) else { return nil }
                    attempts = small
                case (.httpStatus, .integer(let number)):
                    guard let small = Int(exactly: number) else { return nil }
                    httpStatus = small
                case (.httpStatus, .null): httpStatus = nil
                case (.message, .string(let text)): message = text
                case (.message, .null): message = nil
                case (.reconciled, .bool(let flag)): reconciled = flag
                default: return nil
                }
            }
            skipWhitespace()
            if consume(0x2C) { continue }
            guard consume(0x7D) else { return nil }
            break
        }
        skipWhitespace()
        guard index == bytes.count, isOutcome, let id, let status, let attempts, let reconciled, let time
        else { return nil }
        return ItemOutcome(
            id: id, status: status, versionBefore: versionBefore, versionAfter: versionAfter, attempts: attempts,
            httpStatus: httpStatus, message: message, reconciled: reconciled, time: time)
    }

    /// Whether the bytes in `range` equal `expected`.
    private func matches(_ range: Range<Int>, _ expected: [UInt8]) -> Bool {
        guard range.count == expected.count else { return false }
        var offset = 0
        for index in range {
            guard bytes[index] == expected[offset] else { return false }
            offset += 1
        }
        return true
    }

    /// A string without escapes, as a byte range (escaped strings go to the slow path).
    private mutating func parseRawString() -> Range<Int>? {
        guard consume(0x22) else { return nil }
        let start = index
        while let byte = peek(), byte != 0x22 {
            guard byte != 0x5C, byte >= 0x20 else { return nil }
            index += 1
        }
        guard peek() == 0x22 else { return nil }
        index += 1
        return start..<(index - 1)
    }

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        index += 1
        return true
    }

    private mutating func skipWhitespace() {
        while let byte = peek(), byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A { index += 1 }
    }

    /// One of the record's keys (unknown or escaped keys go to the slow path).
    private mutating func parseKey() -> Key? {
        guard let range = parseRawString(), let first = range.first else { return nil }
        let key: Key
        let name: StaticString
        switch (range.count, bytes[first]) {
        case (2, 0x69): (key, name) = (.id, "id")
        case (4, 0x74): (key, name) = bytes[first + 1] == 0x79 ? (.type, "type") : (.time, "time")
        case (6, 0x73): (key, name) = (.status, "status")
        case (7, 0x6D): (key, name) = (.message, "message")
        case (8, 0x61): (key, name) = (.attempts, "attempts")
        case (10, 0x68): (key, name) = (.httpStatus, "httpStatus")
        case (10, 0x72): (key, name) = (.reconciled, "reconciled")
        case (12, 0x76): (key, name) = (.versionAfter, "versionAfter")
        case (13, 0x76): (key, name) = (.versionBefore, "versionBefore")
        default: return nil
        }
        for offset in 0..<range.count where bytes[first + offset] != name.utf8Start[offset] { return nil }
        return key
    }

    private mutating func parseTime() -> Date? {
        guard consume(0x22) else { return nil }
        let start = index
        while let byte = peek(), byte != 0x22 {
            guard byte != 0x5C else { return nil }
            index += 1
        }
        guard peek() == 0x22 else { return nil }
        let date = JournalTime.parse(UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
        index += 1
        return date
    }

    private mutating func parseValue() -> Value? {
        guard let first = peek() else { return nil }
        switch first {
        case 0x22: return parseString().map(Value.string)
        case 0x74: return literal("true") ? .bool(true) : nil
        case 0x66: return literal("false") ? .bool(false) : nil
        case 0x6E: return literal("null") ? .null : nil
        case 0x2D, 0x30...0x39: return parseInteger().map(Value.integer)
        default: return nil
        }
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
        index += count
        return true
    }

    private mutating func parseInteger() -> Int64? {
        var negative = false
        if consume(0x2D) { negative = true }
        let start = index
        var value: Int64 = 0
        while let byte = peek(), byte >= 0x30, byte <= 0x39 {
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int64(byte - 0x30))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
            index += 1
        }
        let digits = index - start
        guard digits > 0, !(digits > 1 && bytes[start] == 0x30) else { return nil }
        if let next = peek(), next == 0x2E || next == 0x65 || next == 0x45 { return nil }
        return negative ? -value : value
    }

    /// A JSON string; escapes are decoded, invalid UTF-8 or control characters give `nil`.
    private mutating func parseString() -> String? {
        guard consume(0x22) else { return nil }
        let start = index
        var escaped = false
        while let byte = peek(), byte != 0x22 {
            guard byte >= 0x20 else { return nil }
            if byte == 0x5C {
                escaped = true
                index += 2
            } else {
                index += 1
            }
        }
        guard index < bytes.count, bytes[index] == 0x22 else { return nil }
        let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<index])
        index += 1
        if !escaped {
            // ASCII (ids, most messages) needs no validation; anything else must be valid UTF-8.
            if !raw.contains(where: { $0 >= 0x80 }) { return String(decoding: raw, as: UTF8.self) }
            return String(validating: raw, as: UTF8.self)
        }
        return Self.unescape(raw)
    }

    private static func unescape(_ raw: UnsafeRawBufferPointer) -> String? {
        var out = [UInt8]()
        out.reserveCapacity(raw.count)
        var position = 0
        var pendingHigh: UInt32?
        func hexValue(_ byte: UInt8) -> UInt32? {
            switch byte {
            case 0x30...0x39: UInt32(byte - 0x30)
            case 0x41...0x46: UInt32(byte - 0x41 + 10)
            case 0x61...0x66: UInt32(byte - 0x61 + 10)
            default: nil
            }
        }
        while position < raw.count {
            let byte = raw[position]
            guard byte == 0x5C else {
                guard pendingHigh == nil else { return nil }
                out.append(byte)
                position += 1
                continue
            }
            guard position + 1 < raw.count else { return nil }
            let kind = raw[position + 1]
            position += 2
            if kind != 0x75, pendingHigh != nil { return nil }
            switch kind {
            case 0x22: out.append(0x22)
            case 0x5C: out.append(0x5C)
            case 0x2F: out.append(0x2F)
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x6E: out.append(0x0A)
            case 0x72: out.append(0x0D)
            case 0x74: out.append(0x09)
            case 0x75:
                guard position + 4 <= raw.count else { return nil }
                var code: UInt32 = 0
                for offset in 0..<4 {
                    guard let digit = hexValue(raw[position + offset]) else { return nil }
                    code = code << 4 | digit
                }
                position += 4
                if let high = pendingHigh {
                    guard (0xDC00...0xDFFF).contains(code) else { return nil }
                    code = 0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00)
                    pendingHigh = nil
                } else if (0xD800...0xDBFF).contains(code) {
                    pendingHigh = code
                    continue
                } else if (0xDC00...0xDFFF).contains(code) {
                    return nil
                }
                guard let scalar = Unicode.Scalar(code) else { return nil }
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            default: return nil
            }
        }
        guard pendingHigh == nil else { return nil }
        return String(validating: out, as: UTF8.self)
    }
}
