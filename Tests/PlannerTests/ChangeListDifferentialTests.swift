import Foundation
import TestSupport
import Testing

@testable import Planner

/// The CSV path of ``ChangeListReader`` reads byte ranges and builds ordinary rows itself; these
/// tests compare it, row for row and diagnostic for diagnostic, with the straightforward path it
/// replaced (every field a `String`, every row through ``Validator/interpret(line:cells:into:)``),
/// kept here as the reference.
@Suite("Change-list reader against the reference CSV path")
struct ChangeListDifferentialTests {
    /// The previous CSV reading code, unchanged: the reference.
    enum Reference {
        static func read(_ text: String, file: String = "changes.csv") -> ChangeList {
            let mapped = MappedFile(data: Data(text.utf8))
            var rows: [ChangeRow] = []
            var diagnostics: [Diagnostic] = []
            var records = 0
            readCSV(mapped, validator: Validator(file: file), rows: &rows, diagnostics: &diagnostics, records: &records)
            if records == 0, !diagnostics.contains(where: { $0.severity == .error }) {
                diagnostics.append(Diagnostic(.warning, file: file, "the change list has no rows"))
            }
            return ChangeList(
                file: file, format: .csv, digest: mapped.sha256, rows: rows, recordCount: records,
                diagnostics: diagnostics)
        }

        static func readCSV(
            _ mapped: MappedFile, validator: Validator, rows: inout [ChangeRow], diagnostics: inout [Diagnostic],
            records: inout Int
        ) {
            let file = validator.file
            var reader = CSVReader(bytes: mapped.bytes)
            var header: CSVRecord?
            while header == nil {
                do {
                    guard let record = try reader.next() else {
                        diagnostics.append(
                            Diagnostic(
                                .error, file: file, line: 1, "the file is empty: a CSV change list needs a header row"))
                        return
                    }
                    header = record
                } catch {
                    diagnostics.append(
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
                    diagnostics.append(
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
                    diagnostics.append(
                        Diagnostic(
                            .error, file: file, line: header.line, column: index + 1, Column.unknownMessage(name)))
                    columns.append(nil)
                }
            }
            let names = header.fields.map(\.trimmingSpaces)
            var cells: [(column: Column, name: String, position: Int?, value: RawValue)] = []
            while true {
                let record: CSVRecord
                do {
                    guard let next = try reader.next() else { break }
                    record = next
                } catch {
                    records += 1
                    diagnostics.append(
                        Diagnostic(.error, file: file, line: error.line, column: error.column, error.message))
                    continue
                }
                records += 1
                guard record.fields.count == columns.count else {
                    diagnostics.append(
                        Diagnostic(
                            .error, file: file, line: record.line,
                            "row has \(record.fields.count) field\(record.fields.count == 1 ? "" : "s") "
                                + "but the header has \(columns.count)"))
                    continue
                }
                cells.removeAll(keepingCapacity: true)
                for (index, field) in record.fields.enumerated() {
                    guard let column = columns[index] else { continue }
                    cells.append((column, names[index], index + 1, .text(field)))
                }
                if let row = validator.interpret(line: record.line, cells: cells, into: &diagnostics) {
                    rows.append(row)
                }
            }
        }
    }

    static let columnNames = [
        "id", "name", "entityType", "entityId", "destination", "destinationId", "integrationCredentialsId",
        "match.destination", "match.name", "match.entityId", "match.integrationCredentialsId", "match.entityType",
        "configData", "configData.url", "configData.a", "configData.a.b", "configData.webhook.secret",
        "configData.webhook.url", "configData.x", "enabled", "expectedVersion", "wave", "destinaton", "match.version",
        "configData.", " wave ",
    ]

    static let uuids = [
        "11111111-1111-4111-8111-111111111111", "AAAAAAAA-bbbb-4CCC-8ddd-EEEEEEEEEEEE",
        "22222222-2222-4222-8222-222222222222", "33333333-3333-4333-8333-333333333333",
    ]

    static let texts = [
        "", "", "", "\\N", "\\N", "Stripe", "Webhook", "bad name!", "Zürich", "  ", "\t", "a,b", "say \"hi\"",
        "line\nbreak", "\\n", "\\NN", "x-1_2", "not-a-uuid", "11111111-1111-4111-8111-11111111111",
        "11111111-1111-4111-8111-1111111111111", "11111111+1111-4111-8111-111111111111",
    ]

    static let numbers = [
        "0", "7", " 7 ", "\t3", "-3", "+5", "-", "+", "1e3", "3.0", "999999", "1000000", "-999999",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "٣", "0x10", "007",
    ]

    static let json = [
        "{\"a\":1}", "{\"b\":{\"c\":2}}", "{}", "[1,2]", "{\"a\":", "null", "true", "42", "\"s\"", "{\"a\":{}}",
        "{\"webhook\":{\"url\":\"u\"}}", "https://hooks.example.com/1", "tok-1-new", "{ \"x\" : [1, {\"y\": null}] }",
        "-", "nul", "3.5", "-0", "\"unterminated", "tr", " {\"a\":1} ",
    ]

    static let flags = ["true", "TRUE", "True", "tRuE", "false", "False", "yes", "1", " true", "truE", "ｔrue"]

    /// A random cell for a column: mostly plausible, often wrong (rarely when `valid`).
    static func cell(for name: String, valid: Bool, using random: inout SplitMix64) -> String {
        let pool: [String]
        let column = name.trimmingCharacters(in: .whitespaces)
        if valid, Int.random(in: 0..<15, using: &random) > 0 {
            switch column {
            case "id": pool = uuids + uuids.map { $0.lowercased() } + [""]
            case "entityId", "destinationId", "integrationCredentialsId", "match.entityId",
                "match.integrationCredentialsId":
                pool = uuids + ["", "\\N"]
            case "entityType", "destination": pool = ["Bill", "Stripe", "x-1_2", ""]
            case "expectedVersion": pool = ["0", "7", " 7 ", "+5", "9223372036854775807", ""]
            case "wave": pool = ["0", "1", "-3", "999999", "\t2", ""]
            case "enabled": pool = ["true", "TRUE", "True", "tRuE", ""]
            case "configData": pool = ["{\"a\":1}", "{}", "\\N", "", "{\"b\":{\"c\":2}}"]
            case let other where other.hasPrefix("configData."): pool = json + ["eu", "us", "\\N", "", "Zürich"]
            default: pool = ["Stripe", "Name_1", "Zürich", "", "\\N", "a,b", "say \"hi\"", "Bill"]
            }
            return pool.randomElement(using: &random) ?? ""
        }
        switch column {
        case "id", "entityId", "destinationId", "integrationCredentialsId", "match.entityId",
            "match.integrationCredentialsId":
            pool = uuids + uuids + uuids.map { $0.lowercased() } + texts
        case "expectedVersion", "wave": pool = numbers + ["", "", "\\N"]
        case "enabled": pool = flags + ["", "", "", "\\N"]
        case let other where other.hasPrefix("configData"): pool = json + texts
        default: pool = texts + ["Bill", "Stripe", "Stripe", "Name_1"]
        }
        return pool.randomElement(using: &random) ?? ""
    }

    static func quoted(_ field: String, always: Bool) -> String {
        guard always || field.contains(where: { ",\"\r\n".contains($0) }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A random change list: a header from ``columnNames`` (with duplicates and typos at times),
    /// rows of random cells, some quoted, some with a field too few or a malformed quote.
    static func randomList(using random: inout SplitMix64) -> String {
        let valid = Bool.random(using: &random)
        let names = valid ? Array(columnNames.prefix(22)) : columnNames
        var header = (0..<Int.random(in: 1...6, using: &random)).map { _ in
            names.randomElement(using: &random) ?? "id"
        }
        if Int.random(in: 0..<3, using: &random) > 0 { header.insert("id", at: 0) }
        if Int.random(in: 0..<4, using: &random) == 0 {
            header = Array(Set(header)).sorted()
        }
        let lineEnd = Bool.random(using: &random) ? "\r\n" : "\n"
        var text = header.map { quoted($0, always: false) }.joined(separator: ",") + lineEnd
        for _ in 0..<Int.random(in: 0...40, using: &random) {
            var fields = header.map { name in
                quoted(
                    cell(for: name, valid: valid, using: &random), always: Int.random(in: 0..<6, using: &random) == 0)
            }
            switch Int.random(in: 0..<(valid ? 400 : 40), using: &random) {
            case 0: fields.removeLast()
            case 1: fields.append("extra")
            case 2: fields[0] = "bad\"quote"
            case 3: fields[0] = "\"unclosed"
            case 4: text += lineEnd
            default: break
            }
            text += fields.joined(separator: ",") + lineEnd
        }
        if Bool.random(using: &random), text.hasSuffix(lineEnd) { text.removeLast(lineEnd.count) }
        return text
    }

    static func expectSame(_ text: String) {
        let fast = ChangeListReader.read(data: Data(text.utf8), file: "changes.csv", format: .csv)
        expectEqual(fast, Reference.read(text), reading: text)
    }

    /// Two readings of `text` hold the same rows, diagnostics, record count and digest.
    static func expectEqual(_ list: ChangeList, _ reference: ChangeList, reading text: String) {
        #expect(list.rows == reference.rows, "rows differ for \(text.debugDescription)")
        #expect(list.diagnostics == reference.diagnostics, "diagnostics differ for \(text.debugDescription)")
        #expect(list.recordCount == reference.recordCount)
        #expect(list.digest == reference.digest)
    }

    @Test("random change lists read the same rows and diagnostics as the reference path (seeded)")
    func randomLists() {
        var random = SplitMix64(seed: 0xC5F0_2026)
        for _ in 0..<400 { Self.expectSame(Self.randomList(using: &random)) }
    }

    /// Reads `text` on one lane and in parts (split at line starts, on two lanes), with room for
    /// its rows and with too little (`roomScale`): all must say the same. Returns the number of
    /// parts it was read in (1: the parts were not used).
    @discardableResult
    static func expectSameInParts(_ text: String) -> Int {
        let data = Data(text.utf8)
        let one = ChangeListReader.read(MappedFile(data: data), name: "c.csv", format: .csv, parallelAbove: .max)
        let parts = ChangeListReader.read(MappedFile(data: data), name: "c.csv", format: .csv, parallelAbove: 0)
        let cramped = ChangeListReader.read(
            MappedFile(data: data), name: "c.csv", format: .csv, parallelAbove: 0, roomScale: 0.01)
        expectEqual(parts, one, reading: text)
        expectEqual(cramped, one, reading: text)
        #expect(one.partsRead == 1)
        #expect(cramped.partsRead == parts.partsRead)
        return parts.partsRead
    }

    @Test("a change list read in parts equals the one read on one lane (split lines, quoted newlines, errors)")
    func inParts() {
        var random = SplitMix64(seed: 0x2_1A4E)
        for _ in 0..<400 { Self.expectSameInParts(Self.randomList(using: &random)) }
        // Rows with no quoted newline: every guessed start is a row boundary, so all the parts are
        // kept and their lines renumbered (errors in several parts); then a quoted newline across
        // most of the file, where guessed starts are inside a field and the list is read on one
        // lane.
        var plain = "id,name,wave\n"
        for row in 0..<200 {
            plain +=
                String(format: "%08x-0000-4000-8000-%012x", row, row)
                + (row % 9 == 0 ? ",bad name!,x\n" : ",n\(row),1\n")
        }
        #expect(Self.expectSameInParts(plain) == ChangeListReader.partCount)
        #expect(
            Self.expectSameInParts(plain.replacingOccurrences(of: "\n", with: "\r\n")) == ChangeListReader.partCount)
        // Without a final line end, the last part ends at the end of the file.
        #expect(Self.expectSameInParts(String(plain.dropLast())) == ChangeListReader.partCount)
        let long = String(repeating: "line\n", count: 400)
        #expect(
            Self.expectSameInParts("id,name\n" + Self.uuids[0] + ",\"" + long + "\"\n" + Self.uuids[2] + ",x\n") == 1)
        #expect(Self.expectSameInParts("id,name\n" + Self.uuids[0] + ",\"" + long + "\n" + Self.uuids[2] + ",x\n") == 1)
    }

    @Test("many rows repeating a few values share strings and values and still equal the reference")
    func repeatedValues() throws {
        var random = SplitMix64(seed: 7)
        var text = "id,integrationCredentialsId,destination,match.name,configData.url,configData.region,enabled,wave\n"
        for row in 0..<3000 {
            let id = String(format: "%08x-0000-4000-8000-%012x", row, row)
            let selector = row % 7 == 0 ? "" : id
            let match = row % 7 == 0 ? ["A", "B", "\\N"].randomElement(using: &random) ?? "A" : ""
            let credential = Self.uuids.randomElement(using: &random) ?? ""
            let url = row % 3 == 0 ? "" : "https://hooks.example.com/\(row)"
            let region = ["eu", "us", "\\N", "", "{\"zone\":\"a\"}"].randomElement(using: &random) ?? ""
            let wave = row % 5 == 0 ? "" : String(row % 3)
            text +=
                "\(selector),\(credential),Stripe,\(match),\(url),\(Self.quoted(region, always: false)),"
                + "\(row % 4 == 0 ? "true" : ""),\(wave)\n"
        }
        Self.expectSame(text)
        let list = ChangeListReader.read(data: Data(text.utf8), file: "changes.csv", format: .csv)
        #expect(list.rows.count == 3000)
        #expect(!list.hasErrors)
    }

    @Test("whole numbers (waves, expected versions) are read from a cell's bytes as Int64(text) reads its text")
    func wholeNumbers() {
        var cells = [
            "0", "7", " 7 ", "\t7\t", "+5", "-5", "-0", "+0", "007", "", " ", "+", "-", "+-1", "--1", "1 2", "1_000",
            "0x10", "1e3", "1.0", "٣", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
            "-9223372036854775809", "99999999999999999999", "\u{0}", "12a",
        ]
        var random = SplitMix64(seed: 0x4E_55_4D)
        for _ in 0..<2_000 {
            let digits = "0123456789+- \t".map(String.init)
            cells.append(
                (0..<Int(random.next() % 22)).map { _ in digits[Int(random.next() % UInt64(digits.count))] }.joined())
        }
        for cell in cells {
            let trimmed = cell.trimmingCharacters(in: CharacterSet(charactersIn: " \t"))
            let read = Array(cell.utf8).withUnsafeBytes { CSVRowInterpreter.wholeNumber($0) }
            #expect(read == Int64(trimmed), "\(cell.debugDescription)")
        }
    }

    @Test("the word-at-a-time UUID check agrees with a byte-by-byte one for every byte at every position")
    func uuidCheck() {
        func reference(_ bytes: [UInt8]) -> Bool {
            bytes.count == 36
                && bytes.enumerated().allSatisfy { index, byte in
                    [8, 13, 18, 23].contains(index)
                        ? byte == UInt8(ascii: "-")
                        : (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                            || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
                            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
                }
        }
        let valid = Array("0123abcd-ef45-4ABC-8DEF-6789aBcDeF01".utf8)
        #expect(valid.withUnsafeBytes { Validator.isUUID($0) })
        var disagreements: [String] = []
        for position in valid.indices {
            for byte in UInt8.min...UInt8.max {
                var candidate = valid
                candidate[position] = byte
                if candidate.withUnsafeBytes({ Validator.isUUID($0) }) != reference(candidate) {
                    disagreements.append("byte \(byte) at \(position)")
                }
            }
        }
        for length in [0, 35, 37] {
            let candidate = Array(repeating: UInt8(ascii: "a"), count: length)
            if candidate.withUnsafeBytes({ Validator.isUUID($0) }) { disagreements.append("length \(length)") }
        }
        #expect(disagreements.isEmpty)
        #expect(Validator.isUUID(String(decoding: valid, as: UTF8.self)))
        #expect(!Validator.isUUID("0123abcd-ef45-4ABC-8DEF-6789aBcDeF0é"))
    }

    @Test("the digest streamed while reading is the SHA-256 of the whole file", arguments: [0, 1, 5000])
    func digest(rows: Int) throws {
        let directory = try TestSupport.temporaryDirectory()
        let url = directory.appendingPathComponent("changes.csv")
        var text = "id,wave\n"
        for row in 0..<rows { text += String(format: "%08x-0000-4000-8000-%012x,%d\n", row, row, row % 3) }
        try Data(text.utf8).write(to: url)
        let list = try ChangeListReader.read(url: url)
        #expect(list.digest == Digests.sha256Hex(Data(text.utf8)))
        #expect(list.rows.count == rows)
    }
}
