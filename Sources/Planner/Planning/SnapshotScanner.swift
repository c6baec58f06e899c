/// A validating, allocation-free scan of a snapshot's config array: where each config object
/// starts and ends and where its `id` string is, without decoding anything.
///
/// It accepts a strict subset of what ``JSONParser`` accepts (RFC 8259: no leading zeros, valid
/// escapes, no control characters, valid UTF-8, nesting below 512) and gives up (`nil`) on
/// anything else, including shapes it does not index (an `id` or member name with escapes, a
/// config that is not an object or has no string `id`). A caller that gets `nil` reads the file
/// with the full decoder, which either reports the exact error or decodes what this scan declined.
struct SnapshotScanner {
    /// Where one config is: the object `start..<end`, and its last string `id` (the bytes between
    /// the quotes).
    struct Entry: Sendable {
        var start: Int
        var end: Int
        var idStart: Int
        var idLength: Int
    }

    private let base: UnsafePointer<UInt8>
    private let count: Int
    /// The offset of the next byte to read.
    private(set) var offset: Int

    init(bytes: UnsafeRawBufferPointer, offset: Int) {
        base =
            bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
            ?? UnsafePointer(bitPattern: 1).unsafelyUnwrapped
        count = bytes.count
        self.offset = offset
    }

    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")

    /// The next non-whitespace byte (not consumed), `nil` at the end.
    @inline(__always)
    mutating func peek() -> UInt8? {
        // Most bytes the scan asks for follow their predecessor directly.
        if offset < count, base[offset] > 0x20 { return base[offset] }
        return peekAfterWhitespace()
    }

    private mutating func peekAfterWhitespace() -> UInt8? {
        while offset < count {
            switch base[offset] {
            case 0x20, 0x09, 0x0A, 0x0D: offset += 1
            default: return base[offset]
            }
        }
        return nil
    }

    /// Consumes `byte` after whitespace when it is next.
    @inline(__always)
    mutating func consume(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        offset += 1
        return true
    }

    /// Scans configs separated by commas, starting at the first one, into `found`.
    ///
    /// Returns the offset of the byte after the last config (the caller checks for `]`), or, with
    /// `stopAt`, the offset of the next config once that is at or beyond `stopAt` (after its `,`).
    /// `nil`: the scan gave up. `release(from, to)` is told, now and then, which bytes were
    /// scanned since it was last told (so their pages can be handed back).
    ///
    /// For each config, its ``Entry`` goes to `found.entries`, ``SnapshotIndex/hash(_:)`` of its id
    /// to `found.hashes` (its bytes are in cache now), and ``ConfigSpans/slotCount`` numbers to
    /// `found.spans`: where the value of each member the planner reads starts, counted from the
    /// config's `{` (`-1`: absent), or `-2` in the first when one of those members repeats (or the
    /// config is too large for 32-bit offsets); then the config is read by decoding it.
    mutating func scanConfigs(
        into found: inout ScannedConfigs, stopAt: Int?, release: (Int, Int) -> Void
    ) -> Int? {
        var released = offset
        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: ConfigSpans.slotCount) { scratch in
            repeat {
                guard let entry = scanConfig(spans: &found.spans, scratch: scratch) else { return nil }
                found.entries.append(entry)
                found.hashes.append(
                    SnapshotIndex.hash(UnsafeRawBufferPointer(start: base + entry.idStart, count: entry.idLength)))
                if found.entries.count & 0x3FFF == 0 {
                    release(released, offset)
                    released = offset
                }
                guard consume(UInt8(ascii: ",")) else { return offset }
                if let stopAt, peek() != nil, offset >= stopAt { return offset }
            } while true
        }
    }

    /// One config object: its members are scanned, the last string `id` is remembered, and the
    /// value offsets of the members the planner reads go to `spans` (collected in `recorded`
    /// first, ``ConfigSpans/slotCount`` numbers).
    private mutating func scanConfig(spans: inout [Int32], scratch recorded: UnsafeMutableBufferPointer<Int32>)
        -> Entry?
    {
        guard peek() == UInt8(ascii: "{") else { return nil }
        let start = offset
        offset += 1
        var idStart = -1
        var idLength = 0
        recorded.initialize(repeating: -1)
        var repeated = false
        if !consume(UInt8(ascii: "}")) {
            repeat {
                guard peek() == Self.quote, let key = scanString(), !key.escaped else { return nil }
                guard consume(UInt8(ascii: ":")), peek() != nil else { return nil }
                let slot = ConfigSpans.slot(of: UnsafeBufferPointer(start: base + key.start, count: key.length))
                if let slot {
                    if recorded[slot] == -1 {
                        recorded[slot] = Int32(truncatingIfNeeded: offset - start)
                    } else {
                        repeated = true
                    }
                }
                if slot == 0, peek() == Self.quote {
                    guard let value = scanString() else { return nil }
                    if value.escaped { return nil }
                    idStart = value.start
                    idLength = value.length
                } else {
                    guard scanValue(depth: 2) else { return nil }
                }
            } while consume(UInt8(ascii: ","))
            guard consume(UInt8(ascii: "}")) else { return nil }
        }
        guard idStart >= 0 else { return nil }
        // A config too large for 32-bit offsets is read by scanning it again.
        if repeated || offset - start > Int(Int32.max) { recorded[0] = -2 }
        spans.append(contentsOf: recorded)
        return Entry(start: start, end: offset, idStart: idStart, idLength: idLength)
    }

    /// Skips one value (whitespace first); `false` when it is not valid JSON.
    mutating func scanValue(depth: Int) -> Bool {
        guard depth < 512, let byte = peek() else { return false }
        switch byte {
        case UInt8(ascii: "{"):
            offset += 1
            if consume(UInt8(ascii: "}")) { return true }
            repeat {
                guard peek() == Self.quote, scanString() != nil, consume(UInt8(ascii: ":")),
                    scanValue(depth: depth + 1)
                else { return false }
            } while consume(UInt8(ascii: ","))
            return consume(UInt8(ascii: "}"))
        case UInt8(ascii: "["):
            offset += 1
            if consume(UInt8(ascii: "]")) { return true }
            repeat {
                guard scanValue(depth: depth + 1) else { return false }
            } while consume(UInt8(ascii: ","))
            return consume(UInt8(ascii: "]"))
        case Self.quote:
            return scanString() != nil
        case UInt8(ascii: "t"): return literal(0x74, 0x72, 0x75, 0x65, length: 4)
        case UInt8(ascii: "f"): return literal(0x66, 0x61, 0x6C, 0x73, length: 5, last: 0x65)
        case UInt8(ascii: "n"): return literal(0x6E, 0x75, 0x6C, 0x6C, length: 4)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return scanNumber()
        default: return false
        }
    }

    private mutating func literal(
        _ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, length: Int, last: UInt8 = 0
    ) -> Bool {
        guard offset + length <= count, base[offset] == a, base[offset + 1] == b, base[offset + 2] == c,
            base[offset + 3] == d, length == 4 || base[offset + 4] == last
        else { return false }
        offset += length
        return true
    }

    /// A string's content `start..<start+length` (between the quotes), whether it holds escapes
    /// and whether it holds bytes outside ASCII.
    struct StringSpan {
        var start: Int
        var length: Int
        var escaped: Bool
        var nonASCII: Bool
    }

    /// Skips a string; the next byte is its opening quote. `nil` when it is not valid JSON.
    @inline(__always)
    mutating func scanString() -> StringSpan? {
        let start = offset + 1
        // The usual string: plain bytes up to its closing quote.
        let index = Self.firstSpecialByte(base, from: start, to: count, nonASCII: Self.high)
        if index < count, base[index] == Self.quote {
            offset = index + 1
            return StringSpan(start: start, length: index - start, escaped: false, nonASCII: false)
        }
        return scanString(from: start, at: index)
    }

    /// The rest of ``scanString()``: the string's content starts at `start`, the bytes before
    /// `index` are plain.
    private mutating func scanString(from start: Int, at plain: Int) -> StringSpan? {
        var index = plain
        var escaped = false
        var nonASCII = false
        // Once a byte outside ASCII was seen the others no longer stop the word-wise search.
        var ascii: UInt64 = Self.high
        while true {
            index = Self.firstSpecialByte(base, from: index, to: count, nonASCII: ascii)
            guard index < count else { return nil }
            let byte = base[index]
            if byte == Self.quote {
                offset = index + 1
                if nonASCII {
                    // What JSONParser accepts: the unescaped text must be valid UTF-8 (rare enough
                    // to ask JSONParser itself).
                    var parser = JSONParser(
                        bytes: UnsafeRawBufferPointer(start: base, count: count), offset: start - 1)
                    guard (try? parser.parseString()) != nil else { return nil }
                }
                return StringSpan(start: start, length: index - start, escaped: escaped, nonASCII: nonASCII)
            }
            if byte == Self.backslash {
                escaped = true
                guard index + 1 < count else { return nil }
                switch base[index + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    index += 2
                case UInt8(ascii: "u"):
                    guard index + 6 <= count else { return nil }
                    for position in (index + 2)..<(index + 6) where !Self.isHexDigit(base[position]) { return nil }
                    index += 6
                default:
                    return nil
                }
                continue
            }
            if byte < 0x20 { return nil }
            if byte >= 0x80 {
                nonASCII = true
                ascii = 0
            }
            index += 1
        }
    }

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    static let high: UInt64 = 0x8080_8080_8080_8080

    /// The offset of the first byte in `start..<end` that is a quote, a backslash or a control
    /// character, or not ASCII where `nonASCII` has its high bits (``high``): eight bytes at a
    /// time (a word's first such byte found from its lowest flagged bit), the last few one by
    /// one. `end` when there is none.
    @inline(__always)
    static func firstSpecialByte(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int, nonASCII: UInt64) -> Int {
        var index = start
        while index + 8 <= end {
            let bits = specialBits(UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self), nonASCII)
            if bits != 0 { return index + bits.trailingZeroBitCount >> 3 }
            index += 8
        }
        while index < end {
            let byte = base[index]
            if byte == quote || byte == backslash || byte < 0x20 || (byte >= 0x80 && nonASCII != 0) { return index }
            index += 1
        }
        return end
    }

    /// The high bit of each byte of `word` (little-endian) that is a quote, a backslash or a
    /// control character, or not ASCII where `nonASCII` has its high bit: exact up to the first
    /// such byte (bytes after it may be flagged too), so `trailingZeroBitCount / 8` is its offset.
    @inline(__always)
    static func specialBits(_ word: UInt64, _ nonASCII: UInt64) -> UInt64 {
        let quotes = word ^ (ones &* 0x22)
        let backslashes = word ^ (ones &* 0x5C)
        let zeroQuote = (quotes &- ones) & ~quotes
        let zeroBackslash = (backslashes &- ones) & ~backslashes
        let control = (word &- ones &* 0x20) & ~word
        return (zeroQuote | zeroBackslash | control | (word & nonASCII)) & high
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
            UInt8(ascii: "A")...UInt8(ascii: "F"):
            true
        default: false
        }
    }

    private func isDigit(_ index: Int) -> Bool {
        index < count && base[index] >= 0x30 && base[index] <= 0x39
    }

    /// Skips a number (RFC 8259 grammar, as ``JSONParser`` reads it).
    private mutating func scanNumber() -> Bool {
        var index = offset
        if base[index] == UInt8(ascii: "-") { index += 1 }
        let digits = index
        while isDigit(index) { index += 1 }
        guard index > digits else { return false }
        if base[digits] == UInt8(ascii: "0"), index - digits > 1 { return false }
        if index < count, base[index] == UInt8(ascii: ".") {
            index += 1
            let fraction = index
            while isDigit(index) { index += 1 }
            guard index > fraction else { return false }
        }
        if index < count, base[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < count, base[index] == UInt8(ascii: "+") || base[index] == UInt8(ascii: "-") { index += 1 }
            let exponent = index
            while isDigit(index) { index += 1 }
            guard index > exponent else { return false }
        }
        offset = index
        return true
    }
}
