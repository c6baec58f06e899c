/// Checks change-list records and turns them into rows, collecting every problem as a diagnostic:
/// the validate stage of planning.
///
/// The rules are those of `docs/FORMATS.md` ("Change list"): one selector per row (`id` or
/// `match.*`), UUIDs where the API wants them, `^[a-zA-Z0-9_-]*$` for `entityType`/`destination`,
/// no clearing of required fields, `enabled` only `true`, whole numbers for `expectedVersion` and
/// `wave`, valid JSON for `configData`.
public struct Validator: Sendable {
    /// The file name used in diagnostics.
    public var file: String

    public init(file: String) {
        self.file = file
    }

    /// The change list of these records: the rows of the valid ones, and every problem (reading's
    /// and the records'), in input order.
    package static func validate(_ records: ChangeRecords) -> ChangeList {
        let validator = Validator(file: records.file)
        var rows: [ChangeRow] = []
        rows.reserveCapacity(records.records.count)
        var found: [Diagnostic] = []
        for record in records.records {
            if let row = validator.interpret(record, into: &found), !record.rejected { rows.append(row) }
        }
        // Both lists are in input order: merged by line, then column (a problem without a line or
        // column goes after those with one).
        var diagnostics = (records.diagnostics + found).enumerated()
            .sorted {
                ($0.element.line ?? .max, $0.element.column ?? .max, $0.offset)
                    < ($1.element.line ?? .max, $1.element.column ?? .max, $1.offset)
            }
            .map(\.element)
        if records.count == 0, !diagnostics.contains(where: { $0.severity == .error }) {
            diagnostics.append(Diagnostic(.warning, file: records.file, "the change list has no rows"))
        }
        return ChangeList(
            file: records.file, format: records.format, digest: records.digest, rows: rows, recordCount: records.count,
            diagnostics: diagnostics)
    }

    /// Every problem in a change list that can be found without the org's state: the reading and
    /// row diagnostics, plus rows with the same `id` that set one field to different values.
    ///
    /// Conflicts between `match.*` rows need the org's configs; ``PlanBuilder`` reports those.
    /// Configs named by several rows are checked in the order of their first row.
    public static func validate(_ list: ChangeList) -> [Diagnostic] {
        var groups: [String: [ChangeRow]] = [:]
        var order: [String] = []
        for row in list.rows {
            guard case .id(let id) = row.selector else { continue }
            let key = id.lowercased()
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(row)
        }
        var conflicts = ConflictCollector(file: list.file)
        for id in order {
            guard let rows = groups[id], rows.count > 1 else { continue }
            _ = ChangeMerger.merge(rows, configID: id, conflicts: &conflicts)
        }
        return list.diagnostics + conflicts.diagnostics
    }

    /// A cell with empty/`\N` already told apart.
    private enum Cell {
        case skip
        case clear
        case text(String)
        case json(JSONValue)

        init(_ raw: RawValue) {
            switch raw {
            case .text(let text): self = text.isEmpty ? .skip : text == "\\N" ? .clear : .text(text)
            case .json(.null): self = .clear
            case .json(.string(let text)): self = text.isEmpty ? .skip : text == "\\N" ? .clear : .text(text)
            case .json(let value): self = .json(value)
            }
        }
    }

    /// Interprets one record; `nil` when the row has errors (appended to `diagnostics`, as are warnings).
    package func interpret(_ record: ChangeRecord, into diagnostics: inout [Diagnostic]) -> ChangeRow? {
        let line = record.line
        var errors = 0
        func error(_ position: Int?, _ message: String) {
            diagnostics.append(Diagnostic(.error, file: file, line: line, column: position, message))
            errors += 1
        }
        var id: String?
        var match: [ConfigField: String?] = [:]
        var fields: [ConfigField: FieldValue] = [:]
        var leaves: [(leaf: PatchLeaf, position: Int?, name: String)] = []
        var enable = false
        var expectedVersion: Int64?
        var wave: Int?
        var templates: [TemplatedValue] = []
        func template(_ text: String, _ position: Int?, _ name: String) -> Template? {
            do {
                return try Template(parsing: text)
            } catch let problem {
                error(position, "'\(name)': \(problem.message) (at character \(problem.offset + 1) of the template)")
                return nil
            }
        }

        for read in record.cells {
            let (column, name, position) = (read.column, read.name, read.position)
            let cell = Cell(read.value)
            if case .skip = cell { continue }
            switch column {
            case .id:
                switch cell {
                case .text(let text):
                    if Self.isUUID(text) { id = text } else { error(position, "'id' is not a UUID: '\(text)'") }
                case .clear: error(position, "'id' cannot be \\N")
                default: error(position, "'id' must be a string")
                }
            case .field(let field), .match(let field):
                let isMatch = if case .match = column { true } else { false }
                switch cell {
                case .text(let text) where !isMatch && Template.isTemplate(text):
                    // Checked once rendered, for each config (``TemplateRenderer``).
                    guard let template = template(text, position, name) else { continue }
                    fields[field] = .set(text)
                    templates.append(
                        TemplatedValue(target: .field(field), template: template, column: name, position: position))
                case .text(let text):
                    if let problem = Self.problem(with: text, for: field) {
                        error(position, "'\(name)' \(problem)")
                    } else if isMatch {
                        match[field] = .some(text)
                    } else {
                        fields[field] = .set(text)
                    }
                case .clear:
                    if isMatch {
                        match[field] = .some(nil)
                    } else if field.isRequired {
                        error(position, "cannot clear '\(name)': the API requires a value")
                    } else {
                        fields[field] = .clear
                    }
                default: error(position, "'\(name)' must be a string")
                }
            case .configData:
                switch cell {
                case .clear: leaves.append((PatchLeaf(path: [], value: .null), position, name))
                case .text(let text):
                    do {
                        let value = try JSONValue(parsing: text)
                        guard case .object = value else {
                            error(
                                position, "'configData' must be a JSON object (a merge patch), got \(Self.kind(value))")
                            continue
                        }
                        leaves += PatchLeaves.flatten(value).map { ($0, position, name) }
                    } catch let syntax as JSONSyntaxError {
                        error(
                            position,
                            "malformed JSON in 'configData': \(syntax.message) (at character \(syntax.column))")
                    } catch _ {
                        error(position, "malformed JSON in 'configData'")
                    }
                case .json(let value):
                    guard case .object = value else {
                        error(position, "'configData' must be a JSON object (a merge patch), got \(Self.kind(value))")
                        continue
                    }
                    leaves += PatchLeaves.flatten(value).map { ($0, position, name) }
                case .skip: break
                }
            case .configDataKey(let path):
                let value: JSONValue =
                    switch cell {
                    case .clear: .null
                    case .text(let text): Self.cellValue(text)
                    case .json(let value): value
                    case .skip: .null
                    }
                if case .object(let members) = value, !members.isEmpty {
                    leaves += PatchLeaves.flatten(value, prefix: path).map { ($0, position, name) }
                } else {
                    leaves.append((PatchLeaf(path: path, value: value), position, name))
                }
            case .enabled:
                switch cell {
                case .text(let text) where text.lowercased() == "true": enable = true
                case .json(.bool(true)): enable = true
                case .text(let text) where text.lowercased() == "false":
                    error(position, Self.disableMessage)
                case .json(.bool(false)): error(position, Self.disableMessage)
                case .text(let text): error(position, "'enabled' must be 'true' (or empty), got '\(text)'")
                default: error(position, "'enabled' must be true (or empty)")
                }
            case .expectedVersion:
                if let number = Self.wholeNumber(cell), number >= 0 {
                    expectedVersion = number
                } else {
                    error(position, "'expectedVersion' must be a whole number, got \(Self.shown(cell))")
                }
            case .wave:
                if let number = Self.wholeNumber(cell), let small = Int(exactly: number), small.magnitude < 1_000_000 {
                    wave = small
                } else {
                    error(position, "'wave' must be a whole number, got \(Self.shown(cell))")
                }
            }
        }

        // Cells of one row that set overlapping configData keys differently.
        if leaves.count > 1 {
            for i in 1..<leaves.count {
                for j in 0..<i where PatchLeaves.conflict(leaves[j].leaf, leaves[i].leaf) {
                    let a = "configData" + leaves[j].leaf.path.map { "." + $0 }.joined()
                    let b = "configData" + leaves[i].leaf.path.map { "." + $0 }.joined()
                    error(
                        leaves[i].position,
                        a == b
                            ? "'\(a)' is set twice in this row ('\(leaves[j].name)' and '\(leaves[i].name)')"
                            : "'\(b)' and '\(a)' overlap in this row; set one of them")
                }
            }
        }

        let selector: Selector
        switch (id, match.isEmpty) {
        case (let id?, true): selector = .id(id)
        case (nil, false): selector = .match(match)
        case (.some, false):
            error(nil, "row has both 'id' and 'match.*' selectors; use one of them")
            return nil
        case (nil, true):
            if errors == 0 { error(nil, "row has no selector: give 'id' or at least one 'match.<field>'") }
            return nil
        }
        if expectedVersion != nil, case .match = selector {
            error(nil, "'expectedVersion' needs an 'id' row (a match row may target many configs)")
        }
        // configData values that are templates, wherever they were written.
        for (leaf, position, name) in leaves where !leaf.path.isEmpty {
            guard case .string(let text) = leaf.value, Template.isTemplate(text),
                let template = template(text, position, name)
            else { continue }
            templates.append(
                TemplatedValue(target: .configData(leaf.path), template: template, column: name, position: position))
        }
        guard errors == 0 else { return nil }
        let change = ConfigChange(
            fields: fields, configDataPatch: PatchLeaves.build(leaves.map(\.leaf)), enable: enable)
        if !change.hasFieldChanges, !enable {
            diagnostics.append(
                Diagnostic(.warning, file: file, line: line, "row changes nothing (no field, configData or enabled)"))
        }
        return ChangeRow(
            line: line, selector: selector, change: change, expectedVersion: expectedVersion, wave: wave,
            templates: templates)
    }

    static let disableMessage =
        "'enabled' cannot be false: m3ter has no endpoint to disable an integration config "
        + "(leave the cell empty to keep the current state)"

    /// The value of a `configData.<key>` cell: JSON when it parses, else the text as a string.
    static func cellValue(_ text: String) -> JSONValue {
        mayBeJSON(text) ? (try? JSONValue(parsing: text)) ?? .string(text) : .string(text)
    }

    /// The text of a `configData.<key>` cell that reads back (``cellValue(_:)``) as exactly `value`,
    /// and that a spreadsheet opening the CSV never runs as a formula: a string as it is when that
    /// is so, else as its JSON text (`"100"`, `"=1+1"`); a template-looking string as a template of
    /// one quoted string; any other value as its JSON text.
    package static func cellText(for value: JSONValue) -> String {
        guard case .string(let text) = value else { return value.canonicalText }
        if Template.isTemplate(text) { return Template.literal(text) }
        if !text.isEmpty, text != "\\N", !startsLikeFormula(text), cellValue(text) == value { return text }
        return value.canonicalText
    }

    /// The text of a top-level field's cell that reads back as exactly `text`, and that a
    /// spreadsheet never runs as a formula (a template of one quoted string where needed); `nil`
    /// when no cell can hold it (empty: an empty cell leaves the field as it is anyway).
    package static func fieldCellText(_ text: String, for field: ConfigField) -> String? {
        if text.isEmpty || problem(with: text, for: field) != nil { return nil }
        if Template.isTemplate(text) || text == "\\N" || startsLikeFormula(text) { return Template.literal(text) }
        return text
    }

    /// Whether a spreadsheet would read a cell starting like `text` as a formula (`=`, `+`, `-`, `@`,
    /// or a tab or carriage return before one).
    private static func startsLikeFormula(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first else { return false }
        return ["=", "+", "-", "@", "\t", "\r"].contains(first)
    }

    /// Whether a `configData.<key>` cell's text is worth parsing as JSON.
    private static func mayBeJSON(_ text: String) -> Bool {
        guard let first = text.utf8.first(where: { $0 != 0x20 && $0 != 0x09 }) else { return false }
        // Only texts that can start a JSON value are tried; `007` is not JSON and stays a string.
        switch first {
        case UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: "\""), UInt8(ascii: "-"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            // A literal, or a word such as `token-1` that is plain text.
            let isSpace: (UInt8) -> Bool = { [0x20, 0x09, 0x0A, 0x0D].contains($0) }
            let word = text.utf8.drop(while: isSpace).reversed().drop(while: isSpace).reversed()
            return ["true", "false", "null"].contains { $0.utf8.elementsEqual(word) }
        default:
            return false
        }
    }

    /// Why `text` cannot be a value of `field` (`nil` when it can).
    package static func problem(with text: String, for field: ConfigField) -> String? {
        if field.isUUID, !isUUID(text) { return "is not a UUID: '\(text)'" }
        if field.isRequired, !text.utf8.allSatisfy(isIdentifierByte) {
            return "must contain only letters, digits, '_' and '-': '\(text)'"
        }
        return nil
    }

    private static func isIdentifierByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default: false
        }
    }

    /// Whether `text` is a UUID in its canonical 8-4-4-4-12 hex form (either case).
    public static func isUUID(_ text: String) -> Bool {
        guard text.utf8.count == 36 else { return false }
        for (index, byte) in text.utf8.enumerated() {
            let isDash = index == 8 || index == 13 || index == 18 || index == 23
            guard isDash ? byte == UInt8(ascii: "-") : byte.isHexDigit else { return false }
        }
        return true
    }

    private static func wholeNumber(_ cell: Cell) -> Int64? {
        switch cell {
        case .text(let text): Int64(text.trimmingSpaces)
        case .json(.integer(let number)): number
        case .json(.double(let number)): Int64(exactly: number)
        default: nil
        }
    }

    private static func shown(_ cell: Cell) -> String {
        switch cell {
        case .text(let text): "'\(text)'"
        case .json(let value): value.canonicalText
        case .clear: "\\N"
        case .skip: "nothing"
        }
    }

    static func kind(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .integer, .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        let bytes = utf8
        guard let start = bytes.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }),
            let end = bytes.lastIndex(where: { $0 != 0x20 && $0 != 0x09 })
        else { return "" }
        return String(self[start...end])
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        switch self {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
            UInt8(ascii: "A")...UInt8(ascii: "F"):
            true
        default: false
        }
    }
}
