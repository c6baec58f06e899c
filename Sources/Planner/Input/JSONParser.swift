import Foundation

/// A JSON syntax error with the line (and column, counted in bytes) where it was found.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var line: Int
    public var column: Int

    public init(message: String, line: Int, column: Int) {
        self.message = message
        self.line = line
        self.column = column
    }

    public var description: String { "malformed JSON at line \(line), column \(column): \(message)" }
}

/// A byte-level JSON parser (RFC 8259) straight into ``JSONValue``.
///
/// It reads from raw bytes without decoding the input as a `String` first, which makes it several
/// times faster than `JSONDecoder` on large snapshots; integers that fit `Int64` stay integers.
/// It also exposes the small primitives (skip whitespace, peek, expect) that streaming readers of
/// arrays and objects need, and tracks the current line for error messages.
public struct JSONParser {
    private let bytes: UnsafeRawBufferPointer
    /// The offset of the next byte to read.
    public private(set) var offset: Int
    /// The 1-based line of ``offset``.
    public private(set) var line = 1
    private var lineStart = 0
    private var scratch: [UInt8] = []

    /// A parser over `bytes`, starting at `offset`.
    public init(bytes: UnsafeRawBufferPointer, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    /// Moves to where `other` stands, `other` having started at this parser's offset over the
    /// same bytes (line 1 there is this parser's current line).
    mutating func `continue`(with other: JSONParser) {
        offset = other.offset
        if other.line > 1 {
            line += other.line - 1
            lineStart = other.lineStart
        }
    }

    /// The next byte as it is (no whitespace skipped), `nil` at the end.
    var next: UInt8? { offset < bytes.count ? bytes[offset] : nil }

    /// Whether every byte has been read.
    public var isAtEnd: Bool { offset >= bytes.count }

    /// The next non-whitespace byte, without consuming it (`nil` at the end).
    public mutating func peek() -> UInt8? {
        skipWhitespace()
        return offset < bytes.count ? bytes[offset] : nil
    }

    /// Consumes `byte` (after whitespace) or throws.
    public mutating func expect(_ byte: UInt8) throws(JSONSyntaxError) {
        guard peek() == byte else { throw error("expected '\(Character(Unicode.Scalar(byte)))'") }
        offset += 1
    }

    /// Consumes `byte` (after whitespace) when it is next.
    public mutating func consume(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        offset += 1
        return true
    }

    /// Skips spaces, tabs, carriage returns and newlines (counting lines).
    public mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x09, 0x0D: offset += 1
            case 0x0A:
                offset += 1
                line += 1
                lineStart = offset
            default: return
            }
        }
    }

    /// Skips past the next line break (error recovery in JSON Lines).
    public mutating func skipLine() {
        while offset < bytes.count {
            let byte = bytes[offset]
            offset += 1
            if byte == 0x0A {
                line += 1
                lineStart = offset
                return
            }
        }
    }

    /// An error at the current position.
    public func error(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(message: message, line: line, column: offset - lineStart + 1)
    }

    /// Parses one complete JSON text: a value surrounded by optional whitespace and nothing else.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONSyntaxError) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        let value = try parser.parseValue()
        if parser.peek() != nil { throw parser.error("unexpected text after the JSON value") }
        return value
    }

    /// Parses one complete JSON text from a string.
    public static func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        var text = text
        let result = text.withUTF8 { buffer in
            Result { () throws(JSONSyntaxError) in try parse(UnsafeRawBufferPointer(buffer)) }
        }
        return try result.get()
    }

    /// Parses the next value.
    public mutating func parseValue(depth: Int = 0) throws(JSONSyntaxError) -> JSONValue {
        guard depth < 512 else { throw error("nesting too deep") }
        guard let byte = peek() else { throw error("unexpected end of input") }
        switch byte {
        case UInt8(ascii: "{"):
            offset += 1
            var members: [String: JSONValue] = [:]
            if consume(UInt8(ascii: "}")) { return .object(members) }
            repeat {
                guard peek() == UInt8(ascii: "\"") else { throw error("expected a member name in quotes") }
                let key = try parseString()
                try expect(UInt8(ascii: ":"))
                members[key] = try parseValue(depth: depth + 1)
            } while consume(UInt8(ascii: ","))
            guard consume(UInt8(ascii: "}")) else { throw error("expected ',' or '}' in an object") }
            return .object(members)
        case UInt8(ascii: "["):
            offset += 1
            var elements: [JSONValue] = []
            if consume(UInt8(ascii: "]")) { return .array(elements) }
            repeat {
                elements.append(try parseValue(depth: depth + 1))
            } while consume(UInt8(ascii: ","))
            guard consume(UInt8(ascii: "]")) else { throw error("expected ',' or ']' in an array") }
            return .array(elements)
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try parseNumber()
        default:
            throw error("unexpected character '\(Character(Unicode.Scalar(byte)))'")
        }
    }

    /// Skips the next value without building it.
    public mutating func skipValue() throws(JSONSyntaxError) {
        _ = try parseValue()
    }

    /// Consumes `word` when the next bytes are exactly it (no whitespace skipped).
    mutating func consumeExactly(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard offset + count <= bytes.count, let base = bytes.baseAddress,
            memcmp(base + offset, word.utf8Start, count) == 0
        else { return false }
        offset += count
        return true
    }

    /// Skips the next value with the snapshot scan (no value built, no lines counted): `false`
    /// when the scan declines it (the caller then reads it the ordinary way from where it was).
    mutating func skipScannedValue() -> Bool {
        var scanner = SnapshotScanner(bytes: bytes, offset: offset)
        guard scanner.scanValue(depth: 1) else { return false }
        offset = scanner.offset
        return true
    }

    /// The bytes from `start` to the current offset.
    func bytes(from start: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[start..<offset])
    }

    private mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
        let count = word.utf8CodeUnitCount
        guard offset + count <= bytes.count else { throw error("unexpected end of input") }
        let expected = UnsafeRawBufferPointer(start: word.utf8Start, count: count)
        for index in 0..<count where bytes[offset + index] != expected[index] {
            throw error("unexpected character")
        }
        offset += count
    }

    /// Parses a member name and returns its index in `keys` (`nil` when it is none of them).
    ///
    /// Names without escapes are compared as bytes, so known keys cost no allocation.
    public mutating func parseKey(in keys: [[UInt8]]) throws(JSONSyntaxError) -> Int? {
        guard peek() == UInt8(ascii: "\"") else { throw error("expected a member name in quotes") }
        let start = offset + 1
        var index = start
        while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\") {
            index += 1
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
            let length = index - start
            offset = index + 1
            guard let base = bytes.baseAddress else { return nil }
            for (position, key) in keys.enumerated() where key.count == length {
                let same = key.withUnsafeBytes { memcmp($0.baseAddress ?? base, base + start, length) == 0 }
                if same { return position }
            }
            return nil
        }
        let name = Array(try parseString().utf8)
        return keys.firstIndex(of: name)
    }

    /// Parses a string like ``parseString()``, returning the instance `table` already holds when
    /// the same plain ASCII text was seen before: a million configs that share a destination id
    /// or a timestamp then share one allocation.
    mutating func parseString(interning table: inout StringTable) throws(JSONSyntaxError) -> String {
        let start = offset + 1
        let index = plainRun(from: start)
        // Interned: plain text (no escapes, ASCII) longer than a small string, up to the limit.
        if index < bytes.count, bytes[index] == UInt8(ascii: "\""), let base = bytes.baseAddress {
            let count = index - start
            if count > 15, count <= StringTable.maxLength {
                let text = UnsafeRawBufferPointer(start: base + start, count: count)
                offset = index + 1
                return table.string(for: text.assumingMemoryBound(to: UInt8.self), hash: SnapshotIndex.hash(text))
            }
        }
        return try parseString()
    }

    /// The offset of the first byte at or after `start` that is a quote, a backslash, a control
    /// character or not ASCII (the end of the bytes if none): eight bytes at a time.
    @inline(__always)
    private func plainRun(from start: Int) -> Int {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return start }
        return SnapshotScanner.firstSpecialByte(base, from: start, to: bytes.count, nonASCII: SnapshotScanner.high)
    }

    /// Parses a string; the next byte must be the opening quote.
    public mutating func parseString() throws(JSONSyntaxError) -> String {
        offset += 1
        let start = offset
        // Fast path: no escapes; ASCII needs no validation, anything else is validated UTF-8. The
        // plain ASCII run (nearly every string) is skipped eight bytes at a time.
        var index = plainRun(from: offset)
        var bits: UInt8 = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                offset = index + 1
                if bits < 0x80, let base = bytes.baseAddress {
                    let buffer = UnsafeBufferPointer(
                        start: base.assumingMemoryBound(to: UInt8.self) + start, count: index - start)
                    return String(decoding: buffer, as: UTF8.self)
                }
                let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<index])
                guard let text = String(validating: slice, as: UTF8.self) else {
                    offset = start
                    throw error("string is not valid UTF-8")
                }
                return text
            }
            bits |= byte
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 {
                offset = index
                throw error("control character in a string")
            }
            index += 1
        }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                offset = index
                guard let text = String(validating: scratch, as: UTF8.self) else {
                    throw error("string is not valid UTF-8")
                }
                return text
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { break }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): scratch.append(0x22)
                case UInt8(ascii: "\\"): scratch.append(0x5C)
                case UInt8(ascii: "/"): scratch.append(0x2F)
                case UInt8(ascii: "b"): scratch.append(0x08)
                case UInt8(ascii: "f"): scratch.append(0x0C)
                case UInt8(ascii: "n"): scratch.append(0x0A)
                case UInt8(ascii: "r"): scratch.append(0x0D)
                case UInt8(ascii: "t"): scratch.append(0x09)
                case UInt8(ascii: "u"):
                    offset = index
                    var scalar = try hex4(at: index)
                    index += 4
                    if (0xD800..<0xDC00).contains(scalar), index + 6 <= bytes.count,
                        bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                    {
                        let low = try hex4(at: index + 2)
                        if (0xDC00..<0xE000).contains(low) {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                            index += 6
                        }
                    }
                    let character = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                    scratch.append(contentsOf: Array(String(Character(character)).utf8))
                default:
                    offset = index - 1
                    throw error("invalid escape in a string")
                }
            default:
                if byte < 0x20 {
                    offset = index - 1
                    throw error("control character in a string")
                }
                scratch.append(byte)
            }
        }
        offset = bytes.count
        throw error("unterminated string")
    }

    private func hex4(at index: Int) throws(JSONSyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("unterminated \\u escape") }
        var value: UInt32 = 0
        for position in index..<index + 4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid \\u escape")
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    private mutating func parseNumber() throws(JSONSyntaxError) -> JSONValue {
        let start = offset
        var index = offset
        var negative = false
        if bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        let digitsStart = index
        var magnitude: UInt64 = 0
        var overflow = false
        while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
            let (times, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(UInt64(bytes[index] - 0x30))
            overflow = overflow || o1 || o2
            magnitude = sum
            index += 1
        }
        guard index > digitsStart else { throw error("a number needs digits") }
        if bytes[digitsStart] == UInt8(ascii: "0"), index - digitsStart > 1 {
            throw error("numbers cannot have leading zeros")
        }
        var integral = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            integral = false
            index += 1
            let fractionStart = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            guard index > fractionStart else { throw error("a fraction needs digits") }
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            integral = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            let exponentStart = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            guard index > exponentStart else { throw error("an exponent needs digits") }
        }
        offset = index
        if integral, !overflow {
            if negative, magnitude <= UInt64(Int64.max) + 1 {
                return .integer(magnitude == UInt64(Int64.max) + 1 ? .min : -Int64(magnitude))
            }
            if !negative, magnitude <= UInt64(Int64.max) { return .integer(Int64(magnitude)) }
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let number = Double(text) else { throw error("number out of range") }
        return .double(number)
    }
}

/// A small fixed-size cache of strings by content, for ``JSONParser/parseString(interning:)``.
/// A slot holds the last string that hashed to it, so the table stays bounded on any input.
struct StringTable {
    /// Longer strings are not interned.
    static let maxLength = 64
    private var hashes: [UInt64]
    private var strings: [String]

    /// A table of `slots` entries (a power of two): 1,024 for a whole snapshot, a few for one config.
    init(slots: Int = 1_024) {
        hashes = [UInt64](repeating: 0, count: slots)
        strings = [String](repeating: "", count: slots)
    }

    /// The interned string with these (plain ASCII) bytes.
    mutating func string(for text: UnsafeBufferPointer<UInt8>, hash: UInt64) -> String {
        let slot = Int(truncatingIfNeeded: hash ^ (hash >> 29)) & (hashes.count - 1)
        if hashes[slot] == hash {
            var cached = strings[slot]
            let same = cached.withUTF8 { known in
                known.count == text.count
                    && (text.isEmpty
                        || memcmp(known.baseAddress.unsafelyUnwrapped, text.baseAddress.unsafelyUnwrapped, text.count)
                            == 0)
            }
            if same { return cached }
        }
        let made = String(decoding: text, as: UTF8.self)
        hashes[slot] = hash
        strings[slot] = made
        return made
    }
}
