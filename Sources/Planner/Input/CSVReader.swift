/// One CSV record: its fields and the line where it starts.
package struct CSVRecord: Sendable, Hashable {
    /// The 1-based line where the record starts (a quoted field may span several lines).
    package var line: Int
    /// The fields, unquoted.
    package var fields: [String]

    package init(line: Int, fields: [String]) {
        self.line = line
        self.fields = fields
    }
}

/// A malformed CSV record.
package struct CSVError: Error, Sendable, Hashable, CustomStringConvertible {
    package var message: String
    /// The line where the record starts.
    package var line: Int
    /// The 1-based number of the field.
    package var column: Int

    package init(_ message: String, line: Int, column: Int) {
        self.message = message
        self.line = line
        self.column = column
    }

    package var description: String { "\(line):\(column): \(message)" }
}

/// An RFC 4180 CSV reader over UTF-8 bytes, one record at a time.
///
/// UTF-8 with or without a byte-order mark, CRLF or LF line ends, quoted fields with doubled quotes
/// and embedded line breaks, and a missing final line break are all accepted. Blank lines are
/// skipped. After an error the reader skips to the next line, so one pass reports every malformed
/// record.
package struct CSVReader {
    private let bytes: [UInt8]
    private var offset: Int
    private var line = 1

    private static let quote = UInt8(ascii: "\"")
    private static let comma = UInt8(ascii: ",")
    private static let newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")

    /// A reader over `bytes`; a leading UTF-8 byte-order mark is skipped.
    package init(bytes: [UInt8]) {
        self.bytes = bytes
        offset = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    }

    /// The next record, `nil` at the end of the input.
    ///
    /// - Throws: ``CSVError`` for a malformed record; call again to continue with the next line.
    package mutating func next() throws(CSVError) -> CSVRecord? {
        skipBlankLines()
        guard offset < bytes.count else { return nil }
        let recordLine = line
        var fields: [String] = []
        while true {
            let column = fields.count + 1
            fields.append(
                try bytes[offset...].first == Self.quote
                    ? quotedField(line: recordLine, column: column) : plainField(line: recordLine, column: column))
            guard offset < bytes.count else { break }
            if bytes[offset] == Self.comma {
                offset += 1
                continue
            }
            // A line end: LF, or CRLF (a lone CR never ends a field, see `isDelimiter`).
            offset += bytes[offset] == Self.carriageReturn ? 2 : 1
            line += 1
            break
        }
        return CSVRecord(line: recordLine, fields: fields)
    }

    private mutating func skipBlankLines() {
        while offset < bytes.count {
            if bytes[offset] == Self.newline {
                offset += 1
            } else if bytes[offset] == Self.carriageReturn, offset + 1 < bytes.count,
                bytes[offset + 1] == Self.newline
            {
                offset += 2
            } else {
                return
            }
            line += 1
        }
    }

    /// A field in quotes (the reader is at the opening quote), doubled quotes undone.
    private mutating func quotedField(line recordLine: Int, column: Int) throws(CSVError) -> String {
        offset += 1
        var text: [UInt8] = []
        while true {
            guard offset < bytes.count else {
                throw CSVError("quoted field is never closed (a '\"' is missing)", line: recordLine, column: column)
            }
            let byte = bytes[offset]
            offset += 1
            if byte == Self.quote {
                guard offset < bytes.count, bytes[offset] == Self.quote else { break }
                offset += 1
            } else if byte == Self.newline {
                line += 1
            }
            text.append(byte)
        }
        if offset < bytes.count, !isDelimiter(at: offset) {
            skipLine()
            throw CSVError(
                "unexpected text after a closing quote (double a '\"' inside a quoted field)", line: recordLine,
                column: column)
        }
        return try decoded(text[...], line: recordLine, column: column)
    }

    /// A field without quotes, up to the next delimiter.
    private mutating func plainField(line recordLine: Int, column: Int) throws(CSVError) -> String {
        let start = offset
        var bits: UInt8 = 0
        while offset < bytes.count {
            let byte = bytes[offset]
            // Only a comma, LF, CR or quote can end the field or be wrong in it.
            if byte == Self.comma || byte == Self.newline || byte == Self.carriageReturn || byte == Self.quote {
                if isDelimiter(at: offset) { break }
                if byte == Self.quote {
                    skipLine()
                    throw CSVError(
                        "'\"' inside an unquoted field (quote the whole field and double the '\"')", line: recordLine,
                        column: column)
                }
            }
            bits |= byte
            offset += 1
        }
        // ASCII (nearly every field) needs no validation.
        if bits < 0x80 { return String(decoding: bytes[start..<offset], as: UTF8.self) }
        return try decoded(bytes[start..<offset], line: recordLine, column: column)
    }

    private mutating func decoded(_ text: ArraySlice<UInt8>, line recordLine: Int, column: Int) throws(CSVError)
        -> String
    {
        guard let string = String(validating: text, as: UTF8.self) else {
            skipLine()
            throw CSVError("field is not valid UTF-8", line: recordLine, column: column)
        }
        return string
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
}
