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
    private var fieldCount = 8
    private var scratch: [UInt8] = []

    private static let quote = UInt8(ascii: "\"")
    private static let comma = UInt8(ascii: ",")
    private static let newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")

    /// A reader over `bytes`; a leading UTF-8 byte-order mark is skipped.
    public init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        let hasBOM = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
        offset = hasBOM ? 3 : 0
    }

    /// The next record, `nil` at the end of the input.
    ///
    /// - Throws: ``CSVError`` for a malformed record; call again to continue with the next line.
    public mutating func next() throws(CSVError) -> CSVRecord? {
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
        var fields: [String] = []
        fields.reserveCapacity(fieldCount)
        while true {
            let column = fields.count + 1
            if offset < count, bytes[offset] == Self.quote {
                offset += 1
                let start = offset
                var doubled = false
                while true {
                    guard offset < count else {
                        throw CSVError(
                            "quoted field is never closed (a '\"' is missing)", line: recordLine, column: column)
                    }
                    let byte = bytes[offset]
                    if byte == Self.quote {
                        if offset + 1 < count, bytes[offset + 1] == Self.quote {
                            doubled = true
                            offset += 2
                            continue
                        }
                        break
                    }
                    if byte == Self.newline { line += 1 }
                    offset += 1
                }
                let end = offset
                offset += 1
                if offset < count, !isDelimiter(at: offset) {
                    skipLine()
                    throw CSVError(
                        "unexpected text after a closing quote (double a '\"' inside a quoted field)",
                        line: recordLine, column: column)
                }
                guard let field = decode(start, end, unescape: doubled) else {
                    skipLine()
                    throw CSVError("field is not valid UTF-8", line: recordLine, column: column)
                }
                fields.append(field)
            } else {
                let start = offset
                var bits: UInt8 = 0
                while offset < count, !isDelimiter(at: offset) {
                    bits |= bytes[offset]
                    if bytes[offset] == Self.quote {
                        skipLine()
                        throw CSVError(
                            "'\"' inside an unquoted field (quote the whole field and double the '\"')",
                            line: recordLine, column: column)
                    }
                    offset += 1
                }
                guard let field = bits < 0x80 ? ascii(start, offset) : decode(start, offset, unescape: false) else {
                    skipLine()
                    throw CSVError("field is not valid UTF-8", line: recordLine, column: column)
                }
                fields.append(field)
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
        fieldCount = fields.count
        return CSVRecord(line: recordLine, fields: fields)
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

    /// Decodes bytes known to be ASCII (always valid UTF-8) without validating them again.
    private func ascii(_ start: Int, _ end: Int) -> String {
        guard start < end, let base = bytes.baseAddress else { return "" }
        let buffer = UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self) + start, count: end - start)
        return String(decoding: buffer, as: UTF8.self)
    }

    private mutating func decode(_ start: Int, _ end: Int, unescape: Bool) -> String? {
        if start == end { return "" }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
        guard unescape else { return String(validating: slice, as: UTF8.self) }
        scratch.removeAll(keepingCapacity: true)
        var index = start
        while index < end {
            let byte = bytes[index]
            scratch.append(byte)
            index += byte == Self.quote ? 2 : 1
        }
        return String(validating: scratch, as: UTF8.self)
    }
}
