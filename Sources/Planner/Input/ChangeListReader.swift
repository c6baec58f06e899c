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

    /// - Parameters:
    ///   - parallelAbove: lists of more bytes are read in parts on two lanes.
    ///   - roomScale: the room each part has for its rows, as a multiple of the rows its bytes
    ///     probably hold (tests make it small, to read rows that do not fit).
    static func read(
        _ mapped: MappedFile, name: String, format: ChangeListFormat?, parallelAbove: Int = TwoLaneRead.threshold,
        roomScale: Double = 1.15
    ) -> ChangeList {
        let resolved = format ?? sniff(mapped.bytes)
        var state = State(validator: Validator(file: name), digest: StreamingDigest(mapped))
        switch resolved {
        case .csv: readCSV(mapped, parallelAbove: parallelAbove, roomScale: roomScale, into: &state)
        case .json, .jsonLines: readJSON(mapped, lines: resolved == .jsonLines, into: &state)
        }
        if state.records == 0, !state.diagnostics.contains(where: { $0.severity == .error }) {
            state.diagnostics.append(Diagnostic(.warning, file: name, "the change list has no rows"))
        }
        var list = ChangeList(
            file: name, format: resolved, digest: state.digest.finalize(), rows: state.rows, recordCount: state.records,
            diagnostics: state.diagnostics)
        list.partsRead = state.parts
        return list
    }

    private struct State {
        var validator: Validator
        var digest: StreamingDigest
        var rows: [ChangeRow] = []
        var diagnostics: [Diagnostic] = []
        var records = 0
        /// The number of parts the records were read in.
        var parts = 1

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

    private static func readCSV(_ mapped: MappedFile, parallelAbove: Int, roomScale: Double, into state: inout State) {
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
        // A large list is read in parts, on two lanes that each take the next part left: when the
        // snapshot read alongside ends, both cores finish the list (two fixed halves left one core
        // idle for up to a quarter of a second while the other finished its half).
        if end - start > parallelAbove, ProcessInfo.processInfo.activeProcessorCount > 1,
            let bounds = partBounds(in: mapped.bytes, from: start, parts: partCount),
            readParts(
                mapped, from: reader, bounds: bounds, interpreter: interpreter, columns: columns.count,
                roomScale: roomScale, into: &state)
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
        /// A part of a list read in parts writes its rows here instead: its region of the list.
        var region: RegionRows?
        var diagnostics: [Diagnostic] = []
        var records = 0
        /// The digest of the file, advanced as the lane reads (a list read in one part).
        var digest: StreamingDigest?
        /// Where the part's reader stopped, and that offset's line (as the part counted them).
        var stop = 0
        var stopLine = 0
    }

    /// The number of parts a large list is read in: enough that the last ones are small (the
    /// lanes end within a part of each other), few enough that each part's set-up is nothing.
    static let partCount = 32

    /// Where the parts of the records in `start..<bytes.count` begin: `start`, then line starts
    /// near each `1/parts` of the way, strictly increasing; `nil` when there is only one part.
    private static func partBounds(in bytes: UnsafeRawBufferPointer, from start: Int, parts: Int) -> [Int]? {
        var bounds = [start]
        for part in 1..<parts {
            guard let guess = lineStart(in: bytes, near: start + (bytes.count - start) * part / parts),
                guess > bounds[bounds.count - 1], guess < bytes.count
            else { continue }
            bounds.append(guess)
        }
        return bounds.count > 1 ? bounds : nil
    }

    /// Reads the records after the header in parts starting at `bounds` (line starts), on two
    /// lanes that each take the next part left, with exactly the result of one sequential read.
    ///
    /// Each part but the last stops at the first record that starts at or beyond the next part's
    /// start; the parts are used only when each lands on that start exactly, between two records
    /// (a line start inside a quoted field is never reached that way). `false`: nothing was kept;
    /// read on one lane. The file is hashed part by part in order, as the parts are done, and its
    /// pages handed back behind the hash.
    ///
    /// The rows go straight into the list's own storage: each part writes into a region of it
    /// sized from the part's bytes (by the line density of the list's first megabyte, times
    /// `roomScale`), and the regions are then closed up. (Rows kept apart and then moved into the
    /// list were each written to memory touched for the first time twice: 28,000 page faults for
    /// a million rows.) When a part's rows do not fit its region, the rows are moved into a list
    /// of their own.
    private static func readParts(
        _ mapped: MappedFile, from reader: CSVReader, bounds: [Int], interpreter: CSVRowInterpreter, columns: Int,
        roomScale: Double, into state: inout State
    ) -> Bool {
        let file = state.validator.file
        let count = bounds.count
        let end = mapped.bytes.count
        let density = lineDensity(in: mapped.bytes, from: bounds[0])
        var regionStarts = [Int](repeating: 0, count: count + 1)
        for index in 0..<count {
            let bytes = (index + 1 < count ? bounds[index + 1] : end) - bounds[index]
            regionStarts[index + 1] = regionStarts[index] + Int(Double(bytes) * density * roomScale) + 16
        }
        let capacity = regionStarts[count]
        let parts = ParallelSlots<CSVPart>(count: count)
        let progress = PartProgress(count: count, digest: state.digest)
        let firstLine = reader.currentLine
        var kept = false
        var apart: [ChangeRow]?
        // Each part's line offset: the lines before it.
        var lineOffsets = [Int](repeating: 0, count: count)
        let rows = [ChangeRow](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            initialized = 0
            guard let base = buffer.baseAddress else { return }
            nonisolated(unsafe) let storage = base
            let starts = regionStarts
            let read: @Sendable () -> Void = {
                var lane = interpreter
                while let index = progress.take() {
                    let partEnd = index + 1 < count ? bounds[index + 1] : end
                    var reader = CSVReader(bytes: mapped.bytes, offset: bounds[index], line: index == 0 ? firstLine : 1)
                    var part = CSVPart(
                        region: RegionRows(
                            storage + starts[index], capacity: starts[index + 1] - starts[index]))
                    readRecords(
                        &reader, &lane, columns: columns, file: file, stopAt: index + 1 < count ? partEnd : nil,
                        end: partEnd, into: &part)
                    part.stop = reader.offset
                    part.stopLine = reader.currentLine
                    parts[index] = part
                    progress.finish(index, hashingTo: partEnd)
                }
            }
            DedicatedThread<Void>.run(read, alongside: read)
            let regions = (0..<count).map { parts[$0]?.region }
            var fits = true
            for index in 0..<count {
                guard let part = parts[index], index + 1 == count || part.stop == bounds[index + 1] else {
                    for region in regions { region?.discard() }
                    return
                }
                if index + 1 < count { lineOffsets[index + 1] = lineOffsets[index] + part.stopLine - 1 }
                if part.region?.spilled ?? false { fits = false }
            }
            kept = true
            guard fits else {
                // Some part had more rows than room: every part's rows into a list of their own.
                let total = regions.reduce(0) { $0 + ($1?.total ?? 0) }
                apart = [ChangeRow](unsafeUninitializedCapacity: total) { moved, movedCount in
                    var next = moved.baseAddress
                    for (index, region) in regions.enumerated() {
                        guard let region, let target = next else { continue }
                        next = target + region.moveAll(to: target, lineOffset: lineOffsets[index])
                    }
                    movedCount = total
                }
                return
            }
            // The regions closed up, in order (a region's rows move down over the room left
            // unused before them; `moveInitialize` moves overlapping ranges as memmove does).
            var filled = 0
            for (index, region) in regions.enumerated() {
                guard let region else { continue }
                filled += region.moveAll(to: base + filled, lineOffset: lineOffsets[index])
            }
            initialized = filled
        }
        guard kept else { return false }
        state.rows = apart ?? rows
        for index in 0..<count {
            guard let part = parts.take(index) else { continue }
            state.absorb(part, lineOffset: lineOffsets[index])
        }
        state.digest = progress.digest
        state.parts = count
        return true
    }

    /// The parts of a list read in parts: which is next, which are done, and the file's digest,
    /// advanced over the done parts in order.
    private final class PartProgress: @unchecked Sendable {
        private let lock = NSLock()
        private var next = 0
        private var done: [Bool]
        /// Where each done part ends.
        private var ends: [Int]
        private var hashed = 0
        /// Advanced only under the lock; read once both lanes are done.
        private(set) var digest: StreamingDigest

        init(count: Int, digest: StreamingDigest) {
            done = [Bool](repeating: false, count: count)
            ends = [Int](repeating: 0, count: count)
            self.digest = digest
        }

        /// The next part to read, if any is left.
        func take() -> Int? {
            lock.withLock {
                guard next < done.count else { return nil }
                defer { next += 1 }
                return next
            }
        }

        /// Marks part `index` (ending at `end`) read, and hashes it and every done part after
        /// it once every part before is hashed.
        func finish(_ index: Int, hashingTo end: Int) {
            lock.withLock {
                done[index] = true
                ends[index] = end
                while hashed < done.count, done[hashed] {
                    digest.advance(to: ends[hashed])
                    hashed += 1
                }
            }
        }
    }

    /// Lines per byte in the first megabyte from `start` (at least one line): how many rows the
    /// rest of a list's bytes probably hold.
    private static func lineDensity(in bytes: UnsafeRawBufferPointer, from start: Int) -> Double {
        let end = min(bytes.count, start + (1 << 20))
        guard end > start else { return 0 }
        var lines = 1
        for index in start..<end where bytes[index] == UInt8(ascii: "\n") { lines += 1 }
        return Double(lines) / Double(end - start)
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
                if part.records == 0x1000, part.region == nil {
                    reserveRows(&part.rows, read: reader.offset - start, of: end - start)
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
                if let region = part.region { region.append(row) } else { part.rows.append(row) }
            }
        }
    }

    /// Reserves room for the rows the rest of the input probably holds (extrapolated from the
    /// bytes read so far, plus a little), so a million rows are not copied at each doubling and
    /// the list does not keep up to twice the room it needs.
    private static func reserveRows(_ rows: inout [ChangeRow], read: Int, of total: Int) {
        guard read > 0, !rows.isEmpty else { return }
        let expected = Double(rows.count) * Double(total) / Double(read)
        rows.reserveCapacity(Int(expected * 1.02) + 64)
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
