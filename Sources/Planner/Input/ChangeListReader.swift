import Foundation

/// Reads a change list (CSV, JSON array or JSON Lines) and validates every row.
///
/// Reading streams: records are interpreted one at a time straight from the mapped file, so a
/// million-row list needs memory for its validated rows only. Problems inside the file never
/// throw; they become ``ChangeList/diagnostics`` (all of them, in input order).
public enum ChangeListReader {
    /// Reads the change list at `url`.
    ///
    /// - Parameters:
    ///   - displayName: the name diagnostics use (default: the path as given).
    ///   - format: the syntax; by default from the extension (`.csv`, `.json`, `.jsonl`/`.ndjson`),
    ///     else sniffed from the first byte.
    /// - Throws: ``InputError/unreadable(path:reason:)`` when the file cannot be read at all.
    public static func read(
        url: URL, displayName: String? = nil, format: ChangeListFormat? = nil
    ) throws(InputError) -> ChangeList {
        let file = try MappedFile(url: url)
        return read(file, name: displayName ?? url.relativePath, format: format ?? .fromExtension(url.pathExtension))
    }

    /// Reads a change list held in memory (tests, piped input).
    public static func read(data: Data, file: String, format: ChangeListFormat? = nil) -> ChangeList {
        read(MappedFile(data: data), name: file, format: format)
    }

    static func read(
        _ mapped: MappedFile, name: String, format: ChangeListFormat?, parallelAbove: Int = TwoLaneRead.threshold
    ) -> ChangeList {
        let resolved = format ?? sniff(mapped.bytes)
        var state = State(validator: Validator(file: name), digest: StreamingDigest(mapped))
        switch resolved {
        case .csv: readCSV(mapped, parallelAbove: parallelAbove, into: &state)
        case .json, .jsonLines: readJSON(mapped, lines: resolved == .jsonLines, into: &state)
        }
        if state.records == 0, !state.diagnostics.contains(where: { $0.severity == .error }) {
            state.diagnostics.append(Diagnostic(.warning, file: name, "the change list has no rows"))
        }
        return ChangeList(
            file: name, format: resolved, digest: state.digest.finalize(), rows: state.rows, recordCount: state.records,
            diagnostics: state.diagnostics)
    }

    private struct State {
        var validator: Validator
        var digest: StreamingDigest
        var rows: [ChangeRow] = []
        var diagnostics: [Diagnostic] = []
        var records = 0

        /// Appends what a lane read, its lines moved by `lineOffset`.
        ///
        /// The part's rows are taken over, not shared: a shared array would be copied, every row
        /// retained, as soon as the second lane's rows were appended.
        mutating func absorb(_ part: consuming CSVPart, lineOffset: Int) {
            records += part.records
            if rows.isEmpty {
                swap(&rows, &part.rows)
            } else {
                rows.append(contentsOf: part.rows)
            }
            part.store?.moveAll(into: &rows, lineOffset: lineOffset)
            for var diagnostic in part.diagnostics {
                diagnostic.line = diagnostic.line.map { $0 + lineOffset }
                diagnostics.append(diagnostic)
            }
        }
    }

    private static func sniff(_ bytes: UnsafeRawBufferPointer) -> ChangeListFormat {
        var index = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        guard index < bytes.count else { return .csv }
        switch bytes[index] {
        case UInt8(ascii: "["): return .json
        case UInt8(ascii: "{"): return .jsonLines
        default: return .csv
        }
    }

    // MARK: CSV

    private static func readCSV(_ mapped: MappedFile, parallelAbove: Int, into state: inout State) {
        let file = state.validator.file
        var reader = CSVReader(bytes: mapped.bytes)
        var header: CSVRecord?
        while header == nil {
            do {
                guard let record = try reader.next() else {
                    state.diagnostics.append(
                        Diagnostic(
                            .error, file: file, line: 1, "the file is empty: a CSV change list needs a header row"))
                    return
                }
                header = record
            } catch {
                state.diagnostics.append(
                    Diagnostic(.error, file: file, line: error.line, column: error.column, error.message))
                return
            }
        }
        guard let header else { return }
        var columns: [Column?] = []
        var firstColumn: [String: Int] = [:]
        for (index, raw) in header.fields.enumerated() {
            let name = raw.trimmingSpaces
            if let previous = firstColumn[name] {
                state.diagnostics.append(
                    Diagnostic(
                        .error, file: file, line: header.line, column: index + 1,
                        "column '\(name)' appears twice (columns \(previous) and \(index + 1))"))
                columns.append(nil)
                continue
            }
            firstColumn[name] = index + 1
            if let column = Column(name: name) {
                columns.append(column)
            } else {
                state.diagnostics.append(
                    Diagnostic(.error, file: file, line: header.line, column: index + 1, Column.unknownMessage(name)))
                columns.append(nil)
            }
        }
        let interpreter = CSVRowInterpreter(
            validator: state.validator, columns: columns, names: header.fields.map(\.trimmingSpaces))
        let start = reader.offset
        let end = mapped.bytes.count
        // The first lane also hashes the second half and takes the second lane's rows over at
        // the end: it is given a little less than half the records, so that both end together.
        if end - start > parallelAbove, ProcessInfo.processInfo.activeProcessorCount > 1,
            let split = lineStart(in: mapped.bytes, near: start + (end - start) * 48 / 100),
            readTwoLanes(
                mapped, from: reader, split: split, interpreter: interpreter, columns: columns.count, into: &state)
        {
            return
        }
        var part = CSVPart(digest: state.digest)
        var lane = interpreter
        readRecords(&reader, &lane, columns: columns.count, file: file, stopAt: nil, end: end, into: &part)
        if let digest = part.digest { state.digest = digest }
        state.absorb(consume part, lineOffset: 0)
    }

    /// What one lane read: its rows and diagnostics (lines as its reader counted them).
    private struct CSVPart: Sendable {
        var rows: [ChangeRow] = []
        /// The second of two lanes keeps its rows here instead, to be moved onto the first's.
        var store: RowStore?
        var diagnostics: [Diagnostic] = []
        var records = 0
        /// The digest of the file, advanced as the lane reads (the first lane only).
        var digest: StreamingDigest?
        /// Where the lane stopped, and that offset's line (the first of two lanes).
        var stop = 0
        var stopLine = 0
    }

    /// Reads the records after the header on two lanes split at `split` (a line start near the
    /// middle), with exactly the result of one sequential read: the split is used only when the
    /// first lane, reading from the start, lands on it exactly between two records (a line start
    /// inside a quoted field is never reached that way). `false`: nothing was kept; read on one lane.
    private static func readTwoLanes(
        _ mapped: MappedFile, from reader: CSVReader, split: Int, interpreter: CSVRowInterpreter, columns: Int,
        into state: inout State
    ) -> Bool {
        let file = state.validator.file
        let parts = ParallelSlots<CSVPart>(count: 2)
        let (start, line, digest) = (reader.offset, reader.currentLine, state.digest)
        let read: @Sendable (Int) -> Void = { lane in
            var lanes = interpreter
            if lane == 0 {
                var first = CSVReader(bytes: mapped.bytes, offset: start, line: line)
                var part = CSVPart(digest: digest)
                // Room for the whole list's rows (the second lane's are appended), estimated
                // from this half.
                readRecords(
                    &first, &lanes, columns: columns, file: file, stopAt: split, end: mapped.bytes.count, into: &part)
                part.stop = first.offset
                part.stopLine = first.currentLine
                // The rest of the file is hashed here, while the second lane still reads it.
                part.digest?.advance(to: mapped.bytes.count, releasing: false)
                parts[0] = part
            } else {
                var second = CSVReader(bytes: mapped.bytes, offset: split, line: 1)
                var part = CSVPart(store: RowStore())
                readRecords(
                    &second, &lanes, columns: columns, file: file, stopAt: nil, end: mapped.bytes.count, into: &part)
                parts[1] = part
            }
        }
        DedicatedThread<Void>.run({ read(1) }, alongside: { read(0) })
        // Taken out of the slots, so that each part is held once.
        guard let first = parts.take(0), first.stop == split, let second = parts.take(1), let digest = first.digest
        else { return false }
        let secondLines = first.stopLine - 1
        state.absorb(consume first, lineOffset: 0)
        state.absorb(consume second, lineOffset: secondLines)
        state.digest = digest
        return true
    }

    /// The start of the first line at or after `offset` (within 1 MB), if any.
    private static func lineStart(in bytes: UnsafeRawBufferPointer, near offset: Int) -> Int? {
        var index = offset
        let end = min(bytes.count, offset + (1 << 20))
        while index < end, bytes[index] != UInt8(ascii: "\n") { index += 1 }
        return index + 1 < end ? index + 1 : nil
    }

    /// Reads records until the end, or (`stopAt`) until the next would start at or beyond it.
    private static func readRecords(
        _ reader: inout CSVReader, _ interpreter: inout CSVRowInterpreter, columns: Int, file: String, stopAt: Int?,
        end: Int, into part: inout CSVPart
    ) {
        let start = reader.offset
        var spans: [CSVFieldSpan] = []
        spans.reserveCapacity(columns)
        while stopAt.map({ reader.offset < $0 }) ?? true {
            let line: Int
            do {
                guard let next = try reader.nextSpans(into: &spans) else { break }
                line = next
            } catch {
                part.records += 1
                part.diagnostics.append(
                    Diagnostic(.error, file: file, line: error.line, column: error.column, error.message))
                continue
            }
            part.records += 1
            if part.records & 0x3FF == 0 {
                part.digest?.advance(to: reader.offset)
                if part.records == 0x1000 {
                    if let store = part.store {
                        if let expected = expectedRows(store.count, read: reader.offset - start, of: end - start) {
                            store.reserve(expected)
                        }
                    } else {
                        reserveRows(&part.rows, read: reader.offset - start, of: end - start)
                    }
                }
            }
            guard spans.count == columns else {
                part.diagnostics.append(
                    Diagnostic(
                        .error, file: file, line: line,
                        "row has \(spans.count) field\(spans.count == 1 ? "" : "s") "
                            + "but the header has \(columns)"))
                continue
            }
            if let row = interpreter.interpret(line: line, spans: spans, reader: reader, into: &part.diagnostics) {
                if let store = part.store { store.append(row) } else { part.rows.append(row) }
            }
        }
    }

    /// Reserves room for the rows the rest of the input probably holds (extrapolated from the
    /// bytes read so far, plus a little), so a million rows are not copied at each doubling and
    /// the list does not keep up to twice the room it needs.
    private static func reserveRows(_ rows: inout [ChangeRow], read: Int, of total: Int) {
        guard let expected = expectedRows(rows.count, read: read, of: total) else { return }
        rows.reserveCapacity(expected)
    }

    /// The rows `total` bytes probably hold, `count` having been read from the first `read`
    /// (plus a little); `nil` before anything was read.
    private static func expectedRows(_ count: Int, read: Int, of total: Int) -> Int? {
        guard read > 0, count > 0 else { return nil }
        return Int(Double(count) * Double(total) / Double(read) * 1.02) + 64
    }

    // MARK: JSON

    private static func readJSON(_ mapped: MappedFile, lines: Bool, into state: inout State) {
        let file = state.validator.file
        let bytes = mapped.bytes
        let start = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
        var parser = JSONParser(bytes: bytes, offset: start)
        var reportedKeys: Set<String> = []

        func progress(_ offset: Int) {
            state.digest.advance(to: offset)
            if state.records == 0x1000 { reserveRows(&state.rows, read: offset, of: bytes.count) }
        }

        func record(_ value: JSONValue, line: Int) {
            state.records += 1
            guard case .object(let members) = value else {
                state.diagnostics.append(
                    Diagnostic(
                        .error, file: file, line: line, "a record must be a JSON object, got \(Validator.kind(value))"))
                return
            }
            var cells: [(column: Column, name: String, position: Int?, value: RawValue)] = []
            var failed = false
            for key in members.keys.sorted() {
                guard let member = members[key] else { continue }
                if key == "match" {
                    guard case .object(let selectors) = member else {
                        if member != .null {
                            state.diagnostics.append(
                                Diagnostic(.error, file: file, line: line, "'match' must be an object of field values"))
                            failed = true
                        }
                        continue
                    }
                    for field in selectors.keys.sorted() {
                        let name = "match.\(field)"
                        guard let column = Column(name: name), let value = selectors[field] else {
                            state.diagnostics.append(
                                Diagnostic(.error, file: file, line: line, Column.unknownMessage(name)))
                            failed = true
                            continue
                        }
                        cells.append((column, name, nil, .json(value)))
                    }
                } else if let column = Column(name: key) {
                    cells.append((column, key, nil, .json(member)))
                } else {
                    failed = true
                    if reportedKeys.insert(key).inserted {
                        state.diagnostics.append(
                            Diagnostic(
                                .error, file: file, line: line, Column.unknownMessage(key).replacingColumnWithKey))
                    }
                }
            }
            var local: [Diagnostic] = []
            let row = state.validator.interpret(line: line, cells: cells, into: &local)
            state.diagnostics += local
            if let row, !failed { state.rows.append(row) }
        }

        if lines {
            while parser.peek() != nil {
                let line = parser.line
                do {
                    let value = try parser.parseValue()
                    record(value, line: line)
                    if state.records & 0x3FF == 0 { progress(parser.offset) }
                } catch {
                    state.records += 1
                    state.diagnostics.append(
                        Diagnostic(.error, file: file, line: error.line, "malformed JSON: \(error.message)"))
                    parser.skipLine()
                }
            }
            return
        }
        do throws(JSONSyntaxError) {
            try parser.expect(UInt8(ascii: "["))
            if !parser.consume(UInt8(ascii: "]")) {
                repeat {
                    _ = parser.peek()
                    let line = parser.line
                    record(try parser.parseValue(), line: line)
                    if state.records & 0x3FF == 0 { progress(parser.offset) }
                } while parser.consume(UInt8(ascii: ","))
                try parser.expect(UInt8(ascii: "]"))
            }
            if parser.peek() != nil { throw parser.error("unexpected text after the array") }
        } catch {
            state.diagnostics.append(
                Diagnostic(.error, file: file, line: error.line, "malformed JSON: \(error.message)"))
        }
    }
}

extension String {
    fileprivate var replacingColumnWithKey: String {
        hasPrefix("unknown column") ? "unknown key" + dropFirst("unknown column".count) : self
    }
}
