/// One CSV record: its fields and the line where it starts.
public struct CSVRecord: Sendable, Hashable {
    /// The 1-based line where the record starts (a quoted field may span several lines).
    public var line: Int
    /// The fields, unquoted.
    public var fields: [String]

    public init(line: Int, fields: [String]) {
        self.line = line
        self.fields = fields
    }
}

/// A malformed CSV record.
public struct CSVError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    /// The line where the record starts.
    public var line: Int
    /// The 1-based number of the field.
    public var column: Int

    public init(_ message: String, line: Int, column: Int) {
        self.message = message
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column): \(message)" }
}

/// A streaming RFC 4180 CSV reader over raw bytes.
///
/// UTF-8 with or without a byte-order mark, CRLF or LF line ends, quoted fields with doubled quotes
/// and embedded line breaks, and a missing final line break are all accepted. Blank lines are
/// skipped. It never decodes the input as one `String`: each field is decoded on its own, so a
/// memory-mapped file of any size streams record by record. After an error the reader skips to the
/// next line, so one pass can report every malformed record.
public struct CSVReader {
    private let bytes: UnsafeRawBufferPointer
    /// The offset of the next byte to read.
    public private(set) var offset: Int
    private var line = 1
    private var spanBuffer: [CSVFieldSpan] = []

    private static let quote = UInt8(ascii: "\"")
    private static let comma = UInt8(ascii: ",")
    private static let newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")

    /// A reader over `bytes`; a leading UTF-8 byte-order mark is skipped.
    public init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        let hasBOM = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
        offset = hasBOM ? 3 : 0
        spanBuffer.reserveCapacity(8)
    }

    /// A reader over `bytes` from `offset` (the start of a line), which is line `line`.
    init(bytes: UnsafeRawBufferPointer, offset: Int, line: Int) {
        self.bytes = bytes
        self.offset = offset
        self.line = line
        spanBuffer.reserveCapacity(8)
    }

    /// The line of ``offset``.
    var currentLine: Int { line }

    /// The next record, `nil` at the end of the input.
    ///
    /// - Throws: ``CSVError`` for a malformed record; call again to continue with the next line.
    public mutating func next() throws(CSVError) -> CSVRecord? {
        var spans = spanBuffer
        spanBuffer = []
        defer { spanBuffer = spans }
        guard let recordLine = try nextSpans(into: &spans) else { return nil }
        var fields: [String] = []
        fields.reserveCapacity(spans.count)
        for span in spans { fields.append(string(span)) }
        return CSVRecord(line: recordLine, fields: fields)
    }

    /// Reads the next record as byte ranges (no `String` per field): `spans` is replaced by its
    /// fields and the record's line is returned, `nil` at the end of the input.
    ///
    /// Exactly the checks of ``next()`` are made (including UTF-8 validity), in the same order, so
    /// a record that comes back here decodes with ``string(_:)`` without failing.
    mutating func nextSpans(into spans: inout [CSVFieldSpan]) throws(CSVError) -> Int? {
        spans.removeAll(keepingCapacity: true)
        let count = bytes.count
        while offset < count {
            let byte = bytes[offset]
            if byte == Self.newline {
                offset += 1
                line += 1
            } else if byte == Self.carriageReturn, offset + 1 < count, bytes[offset + 1] == Self.newline {
                offset += 2
                line += 1
            } else {
                break
            }
        }
        guard offset < count else { return nil }
        let recordLine = line
        while true {
            let column = spans.count + 1
            if offset < count, bytes[offset] == Self.quote {
                offset += 1
                let start = offset
                var doubled = false
                var bits: UInt8 = 0
                var index = offset
                var newlines = 0
                while true {
                    guard index < count else {
                        offset = index
                        line += newlines
                        throw CSVError(
                            "quoted field is never closed (a '\"' is missing)", line: recordLine, column: column)
                    }
                    let byte = bytes[index]
                    bits |= byte
                    if byte == Self.quote {
                        if index + 1 < count, bytes[index + 1] == Self.quote {
                            doubled = true
                            index += 2
                            continue
                        }
                        break
                    }
                    if byte == Self.newline { newlines += 1 }
                    index += 1
                }
                offset = index
                line += newlines
                let end = offset
                offset += 1
                if offset < count, !isDelimiter(at: offset) {
                    skipLine()
                    throw CSVError(
                        "unexpected text after a closing quote (double a '\"' inside a quoted field)",
                        line: recordLine, column: column)
                }
                // Removing one quote of each doubled pair cannot change UTF-8 validity: check the raw bytes.
                if bits >= 0x80, !isValidUTF8(start, end) {
                    skipLine()
                    throw CSVError("field is not valid UTF-8", line: recordLine, column: column)
                }
                spans.append(CSVFieldSpan(start: start, end: end, escaped: doubled, ascii: bits < 0x80))
            } else {
                let start = offset
                var bits: UInt8 = 0
                var index = offset
                // Eight bytes at a time up to the first comma, LF, CR or quote; the byte loop below
                // then decides what that byte means.
                var wide: UInt64 = 0
                while index + 8 <= count {
                    let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                    let specials = Self.specialBytes(word)
                    if specials == 0 {
                        wide |= word
                        index += 8
                        continue
                    }
                    let plain = specials.trailingZeroBitCount >> 3
                    wide |= word & ((1 &<< (plain &* 8)) &- 1)
                    index += plain
                    break
                }
                if wide & 0x8080_8080_8080_8080 != 0 { bits = 0x80 }
                while index < count {
                    let byte = bytes[index]
                    // Only a comma, LF, CR or quote can end the field or be wrong in it.
                    if byte <= Self.quote || byte == Self.comma {
                        if isDelimiter(at: index) { break }
                        if byte == Self.quote {
                            offset = index
                            skipLine()
                            throw CSVError(
                                "'\"' inside an unquoted field (quote the whole field and double the '\"')",
                                line: recordLine, column: column)
                        }
                    }
                    bits |= byte
                    index += 1
                }
                offset = index
                if bits >= 0x80, !isValidUTF8(start, offset) {
                    skipLine()
                    throw CSVError("field is not valid UTF-8", line: recordLine, column: column)
                }
                spans.append(CSVFieldSpan(start: start, end: offset, escaped: false, ascii: bits < 0x80))
            }
            guard offset < count else { break }
            let byte = bytes[offset]
            if byte == Self.comma {
                offset += 1
                continue
            }
            offset += byte == Self.carriageReturn ? 2 : 1
            line += 1
            break
        }
        return recordLine
    }

    /// The raw bytes of a field (with doubled quotes still doubled when ``CSVFieldSpan/escaped``).
    func rawBytes(_ span: CSVFieldSpan) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[span.start..<span.end])
    }

    /// The text of a field read by ``nextSpans(into:)``.
    func string(_ span: CSVFieldSpan) -> String {
        guard span.start < span.end, let base = bytes.baseAddress else { return "" }
        let raw = UnsafeBufferPointer(
            start: base.assumingMemoryBound(to: UInt8.self) + span.start, count: span.end - span.start)
        guard span.escaped else { return String(decoding: raw, as: UTF8.self) }
        return String(unsafeUninitializedCapacity: raw.count) { out in
            var written = 0
            var index = 0
            while index < raw.count {
                let byte = raw[index]
                out[written] = byte
                written += 1
                index += byte == Self.quote ? 2 : 1
            }
            return written
        }
    }

    /// The high bit of the bytes of `word` (first byte in memory lowest) that are a comma, LF, CR or
    /// quote. Only the lowest set bit is exact (a borrow may mark a byte above it), which is all
    /// that finding the first such byte needs.
    private static func specialBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func zeroBytes(_ value: UInt64) -> UInt64 { (value &- ones) & ~value & highs }
        return zeroBytes(word ^ (ones &* UInt64(comma))) | zeroBytes(word ^ (ones &* UInt64(newline)))
            | zeroBytes(word ^ (ones &* UInt64(carriageReturn))) | zeroBytes(word ^ (ones &* UInt64(quote)))
    }

    /// A comma, LF, or CR that starts a CRLF (or ends the input).
    private func isDelimiter(at index: Int) -> Bool {
        let byte = bytes[index]
        if byte == Self.comma || byte == Self.newline { return true }
        return byte == Self.carriageReturn && (index + 1 == bytes.count || bytes[index + 1] == Self.newline)
    }

    private mutating func skipLine() {
        while offset < bytes.count {
            let byte = bytes[offset]
            offset += 1
            if byte == Self.newline {
                line += 1
                return
            }
        }
    }

    private func isValidUTF8(_ start: Int, _ end: Int) -> Bool {
        String(validating: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self) != nil
    }
}

/// Where one field of a CSV record lies in the input: the fast path of ``CSVReader`` hands these
/// out instead of a `String` per field.
struct CSVFieldSpan: Sendable, Hashable {
    /// The offset of the field's first byte (after an opening quote).
    var start: Int
    /// The offset just past the field's last byte (before a closing quote).
    var end: Int
    /// Whether the field was quoted and holds doubled quotes (its raw bytes are not its text).
    var escaped: Bool
    /// Whether every byte is ASCII.
    var ascii: Bool

    /// Whether the field's text is empty.
    var isEmpty: Bool { start == end }
}
