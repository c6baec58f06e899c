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

    private enum Value {
        case string(String)
        case integer(Int64)
        case bool(Bool)
        case null
    }

    mutating func parseOutcome() -> ItemOutcome? {
        var type: String?
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
            if key == "time" {
                guard let date = parseTime() else { return nil }
                time = date
            } else {
                guard let value = parseValue() else { return nil }
                switch (key, value) {
                case ("type", .string(let text)): type = text
                case ("id", .string(let text)): id = text
                case ("status", .string(let text)):
                    guard let parsed = OutcomeStatus(rawValue: text) else { return nil }
                    status = parsed
                case ("versionBefore", .integer(let number)): versionBefore = number
                case ("versionBefore", .null): versionBefore = nil
                case ("versionAfter", .integer(let number)): versionAfter = number
                case ("versionAfter", .null): versionAfter = nil
                case ("attempts", .integer(let number)):
                    guard let small = Int(exactly: number) else { return nil }
                    attempts = small
                case ("httpStatus", .integer(let number)):
                    guard let small = Int(exactly: number) else { return nil }
                    httpStatus = small
                case ("httpStatus", .null): httpStatus = nil
                case ("message", .string(let text)): message = text
                case ("message", .null): message = nil
                case ("reconciled", .bool(let flag)): reconciled = flag
                default: return nil
                }
            }
            skipWhitespace()
            if consume(0x2C) { continue }
            guard consume(0x7D) else { return nil }
            break
        }
        skipWhitespace()
        guard index == bytes.count, type == "outcome", let id, let status, let attempts, let reconciled, let time
        else { return nil }
        return ItemOutcome(
            id: id, status: status, versionBefore: versionBefore, versionAfter: versionAfter, attempts: attempts,
            httpStatus: httpStatus, message: message, reconciled: reconciled, time: time)
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

    /// A key without escapes (the fast path only; escaped keys go to the slow path).
    private mutating func parseKey() -> String? {
        guard consume(0x22) else { return nil }
        let start = index
        while let byte = peek(), byte != 0x22 {
            guard byte != 0x5C, byte >= 0x20 else { return nil }
            index += 1
        }
        guard peek() == 0x22 else { return nil }
        let key = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        index += 1
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
