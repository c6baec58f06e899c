import Foundation

/// Reads a change list (CSV, JSON array or JSON Lines): the first stage of planning.
///
/// ``records(bytes:file:format:)`` turns the file's bytes into ``ChangeRecords`` (syntax and
/// columns); ``read(url:displayName:format:)`` then has ``Validator`` check them into a
/// ``ChangeList``. Problems inside the file never throw; they become diagnostics, all of them.
public enum ChangeListReader {
    /// Reads and validates the change list at `url`.
    ///
    /// - Parameters:
    ///   - displayName: the name diagnostics use (default: the path as given).
    ///   - format: the syntax; by default from the extension (`.csv`, `.json`, `.jsonl`/`.ndjson`),
    ///     else sniffed from the first byte.
    /// - Throws: ``InputError/unreadable(path:reason:)`` when the file cannot be read at all.
    public static func read(
        url: URL, displayName: String? = nil, format: ChangeListFormat? = nil
    ) throws(InputError) -> ChangeList {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadable(path: displayName ?? url.relativePath, reason: error.localizedDescription)
        }
        return read(
            data: data, file: displayName ?? url.relativePath, format: format ?? .fromExtension(url.pathExtension))
    }

    /// Reads and validates a change list held in memory (tests, piped input).
    public static func read(data: Data, file: String, format: ChangeListFormat? = nil) -> ChangeList {
        Validator.validate(records(bytes: Array(data), file: file, format: format))
    }

    /// The records of a change list, with every syntax problem.
    package static func records(bytes: [UInt8], file: String, format: ChangeListFormat? = nil) -> ChangeRecords {
        let format = format ?? sniff(bytes)
        var out = ChangeRecords(
            file: file, format: format, digest: Digests.sha256Hex(Data(bytes)), records: [], count: 0, diagnostics: [])
        switch format {
        case .csv: readCSV(bytes, into: &out)
        case .json: readJSONArray(bytes, into: &out)
        case .jsonLines: readJSONLines(bytes, into: &out)
        }
        return out
    }

    private static func sniff(_ bytes: [UInt8]) -> ChangeListFormat {
        let text = bytes.drop { [0xEF, 0xBB, 0xBF, 0x20, 0x09, 0x0A, 0x0D].contains($0) }
        switch text.first {
        case UInt8(ascii: "["): return .json
        case UInt8(ascii: "{"): return .jsonLines
        default: return .csv
        }
    }

    // MARK: CSV

    private static func readCSV(_ bytes: [UInt8], into out: inout ChangeRecords) {
        let file = out.file
        func report(_ error: CSVError) {
            out.diagnostics.append(
                Diagnostic(.error, file: file, line: error.line, column: error.column, error.message))
        }
        var reader = CSVReader(bytes: bytes)
        let header: CSVRecord
        do {
            guard let first = try reader.next() else {
                out.diagnostics.append(
                    Diagnostic(.error, file: file, line: 1, "the file is empty: a CSV change list needs a header row"))
                return
            }
            header = first
        } catch {
            return report(error)
        }
        // Each column's meaning (`nil`: rejected, its cells are ignored).
        var columns: [Column?] = []
        var firstColumn: [String: Int] = [:]
        let names = header.fields.map(\.trimmingSpaces)
        for (index, name) in names.enumerated() {
            if let previous = firstColumn[name] {
                out.diagnostics.append(
                    Diagnostic(
                        .error, file: file, line: header.line, column: index + 1,
                        "column '\(name)' appears twice (columns \(previous) and \(index + 1))"))
                columns.append(nil)
                continue
            }
            firstColumn[name] = index + 1
            let column = Column(name: name)
            if column == nil {
                out.diagnostics.append(
                    Diagnostic(.error, file: file, line: header.line, column: index + 1, Column.unknownMessage(name)))
            }
            columns.append(column)
        }
        while true {
            let record: CSVRecord
            do {
                guard let next = try reader.next() else { break }
                record = next
            } catch {
                out.count += 1
                report(error)
                continue
            }
            out.count += 1
            guard record.fields.count == columns.count else {
                let count = record.fields.count
                out.diagnostics.append(
                    Diagnostic(
                        .error, file: file, line: record.line,
                        "row has \(count) field\(count == 1 ? "" : "s") but the header has \(columns.count)"))
                continue
            }
            var cells: [ChangeRecord.Cell] = []
            for (index, text) in record.fields.enumerated() {
                guard let column = columns[index] else { continue }
                cells.append(
                    ChangeRecord.Cell(column: column, name: names[index], position: index + 1, value: .text(text)))
            }
            out.records.append(ChangeRecord(line: record.line, cells: cells))
        }
    }

    // MARK: JSON

    /// A JSON array of records, `[` to `]`: each record's line is where it starts.
    private static func readJSONArray(_ bytes: [UInt8], into out: inout ChangeRecords) {
        var parser = JSONParser(bytes: bytes, offset: bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0)
        var reported: Set<String> = []
        do throws(JSONSyntaxError) {
            try parser.expect(UInt8(ascii: "["))
            if !parser.consume(UInt8(ascii: "]")) {
                repeat {
                    _ = parser.peek()
                    let line = parser.line
                    let value = try parser.parseValue()
                    record(value, line: line, reportedKeys: &reported, into: &out)
                } while parser.consume(UInt8(ascii: ","))
                try parser.expect(UInt8(ascii: "]"))
            }
            if parser.peek() != nil { throw parser.error("unexpected text after the array") }
        } catch {
            out.diagnostics.append(
                Diagnostic(.error, file: out.file, line: error.line, "malformed JSON: \(error.message)"))
        }
    }

    /// JSON Lines: every non-blank line is one record, parsed on its own, so a bad line is reported
    /// at that line and the next line is read as usual.
    private static func readJSONLines(_ bytes: [UInt8], into out: inout ChangeRecords) {
        var reported: Set<String> = []
        let text = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes[...]
        for (index, line) in text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            guard line.contains(where: { ![0x20, 0x09, 0x0D].contains($0) }) else { continue }
            do {
                let value = try JSONParser.parse(Array(line))
                record(value, line: index + 1, reportedKeys: &reported, into: &out)
            } catch {
                out.count += 1
                out.diagnostics.append(
                    Diagnostic(.error, file: out.file, line: index + 1, "malformed JSON: \(error.message)"))
            }
        }
    }

    /// One JSON record: its members as cells (`match` taken apart), unknown keys reported once per file.
    private static func record(
        _ value: JSONValue, line: Int, reportedKeys: inout Set<String>, into out: inout ChangeRecords
    ) {
        let file = out.file
        out.count += 1
        guard case .object(let members) = value else {
            out.diagnostics.append(
                Diagnostic(
                    .error, file: file, line: line, "a record must be a JSON object, got \(Validator.kind(value))"))
            return
        }
        var cells: [ChangeRecord.Cell] = []
        var rejected = false
        for key in members.keys.sorted() {
            guard let member = members[key] else { continue }
            if key == "match" {
                guard case .object(let selectors) = member else {
                    if member != .null {
                        out.diagnostics.append(
                            Diagnostic(.error, file: file, line: line, "'match' must be an object of field values"))
                        rejected = true
                    }
                    continue
                }
                for field in selectors.keys.sorted() {
                    let name = "match.\(field)"
                    guard let column = Column(name: name), let value = selectors[field] else {
                        out.diagnostics.append(Diagnostic(.error, file: file, line: line, Column.unknownMessage(name)))
                        rejected = true
                        continue
                    }
                    cells.append(ChangeRecord.Cell(column: column, name: name, value: .json(value)))
                }
            } else if let column = Column(name: key) {
                cells.append(ChangeRecord.Cell(column: column, name: key, value: .json(member)))
            } else {
                rejected = true
                if reportedKeys.insert(key).inserted {
                    out.diagnostics.append(
                        Diagnostic(.error, file: file, line: line, Column.unknownMessage(key).replacingColumnWithKey))
                }
            }
        }
        out.records.append(ChangeRecord(line: line, cells: cells, rejected: rejected))
    }
}

extension String {
    fileprivate var replacingColumnWithKey: String {
        hasPrefix("unknown column") ? "unknown key" + dropFirst("unknown column".count) : self
    }
}
