/// Interprets the data rows of a CSV change list straight from the reader's byte ranges.
///
/// An ordinary valid row (no doubled quotes to undo, no whole-`configData` JSON, no `configData`
/// object to take apart, nothing to warn about) is built without temporary strings or
/// collections: cells are checked on their bytes, only the texts the row keeps become strings,
/// repeated texts are interned per column (``StringInterner``), and single-entry `fields`, `match`
/// and `configData` values built from interned texts are shared between rows. Every other row, in particular every row with an error
/// or a warning, goes through ``Validator/interpret(line:cells:into:)``, so the diagnostics are
/// exactly the validator's and the rows are equal to what it would build.
struct CSVRowInterpreter {
    /// What a column means, without payloads to retain and release per cell.
    private enum Kind {
        case id, field(ConfigField), match(ConfigField), configData, configDataKey, enabled, expectedVersion, wave
    }

    /// One interpreted `configData.<key>` cell: its value and column.
    private struct LeafCell {
        var value: JSONValue
        var index: Int
    }

    /// One interpreted field cell.
    private struct FieldCell {
        var field: ConfigField
        var value: FieldValue
        var index: Int
        var slot: Int?
    }

    /// One interpreted `match.<field>` cell.
    private struct MatchCell {
        var field: ConfigField
        var value: String?
        var index: Int
        var slot: Int?
    }

    /// The slot of a `\N` cell (one past the interner's slots).
    private static let nullSlot = StringInterner.capacity

    private let validator: Validator
    private let columns: [Column?]
    private let names: [String]
    private let kinds: [Kind?]
    /// The key path of each `configData.<key>` column, shared by every row.
    private let paths: [[String]]
    private var interners: [StringInterner]
    /// Values shared between rows whose only cell of a kind is a column's interned text (or `\N`),
    /// by column and interner slot.
    private var sharedFields: [[[ConfigField: FieldValue]?]]
    private var sharedMatches: [[[ConfigField: String?]?]]
    /// Whether two `configData.<key>` columns can set overlapping keys (only the validator's leaf
    /// comparison can then tell whether a row is valid).
    private let pathsOverlap: Bool
    /// The cells of a kind after the first one, in the row being read.
    private var moreFields: [FieldCell] = []
    private var moreMatches: [MatchCell] = []
    private var moreLeaves: [LeafCell] = []
    private var cells: [(column: Column, name: String, position: Int?, value: RawValue)] = []

    /// An interpreter for rows whose CSV columns have these meanings and (trimmed) names; `nil`
    /// for a column that was rejected in the header.
    init(validator: Validator, columns: [Column?], names: [String]) {
        self.validator = validator
        self.columns = columns
        self.names = names
        kinds = columns.map { column in
            switch column {
            case nil: nil
            case .id: .id
            case .field(let field): .field(field)
            case .match(let field): .match(field)
            case .configData: .configData
            case .configDataKey: .configDataKey
            case .enabled: .enabled
            case .expectedVersion: .expectedVersion
            case .wave: .wave
            }
        }
        paths = columns.map { column in
            if case .configDataKey(let path) = column { return path }
            return []
        }
        interners = Array(repeating: StringInterner(), count: columns.count)
        sharedFields = Array(repeating: [], count: columns.count)
        sharedMatches = Array(repeating: [], count: columns.count)
        let keyPaths = columns.compactMap { column -> [String]? in
            if case .configDataKey(let path) = column { return path }
            return nil
        }
        var overlap = false
        for i in keyPaths.indices {
            for j in keyPaths.indices where i != j && keyPaths[i].starts(with: keyPaths[j]) { overlap = true }
        }
        pathsOverlap = overlap
    }

    /// Interprets one record whose field count matches the header; `nil` when the row has errors
    /// (they are appended to `diagnostics`, as are warnings).
    mutating func interpret(
        line: Int, spans: [CSVFieldSpan], reader: CSVReader, into diagnostics: inout [Diagnostic]
    ) -> ChangeRow? {
        if let row = ordinaryRow(line: line, spans: spans, reader: reader) { return row }
        cells.removeAll(keepingCapacity: true)
        for index in spans.indices {
            guard let column = columns[index] else { continue }
            cells.append((column, names[index], index + 1, .text(reader.string(spans[index]))))
        }
        return validator.interpret(line: line, cells: cells, into: &diagnostics)
    }

    /// The row when it is ordinary and valid; `nil` when the validator must look at it.
    ///
    /// Cells of one kind are kept as "the first one" plus, rarely, the others, so the common row
    /// (one cell of each kind) builds its values with no temporary collection at all.
    private mutating func ordinaryRow(line: Int, spans: [CSVFieldSpan], reader: CSVReader) -> ChangeRow? {
        var id: String?
        var enable = false
        var expectedVersion: Int64?
        var wave: Int?
        var firstField: FieldCell?
        var firstMatch: MatchCell?
        var firstLeaf: LeafCell?
        if !moreFields.isEmpty { moreFields.removeAll(keepingCapacity: true) }
        if !moreMatches.isEmpty { moreMatches.removeAll(keepingCapacity: true) }
        if !moreLeaves.isEmpty { moreLeaves.removeAll(keepingCapacity: true) }

        for index in spans.indices {
            let span = spans[index]
            guard !span.isEmpty, let kind = kinds[index] else { continue }
            guard !span.escaped else { return nil }
            let bytes = reader.rawBytes(span)
            let isNull = bytes.count == 2 && bytes[0] == UInt8(ascii: "\\") && bytes[1] == UInt8(ascii: "N")
            switch kind {
            case .id:
                guard !isNull, Validator.isUUID(bytes) else { return nil }
                id = String(decoding: bytes, as: UTF8.self)
            case .field(let field):
                let cell: FieldCell
                if isNull {
                    guard !field.isRequired else { return nil }
                    cell = FieldCell(field: field, value: .clear, index: index, slot: Self.nullSlot)
                } else {
                    guard let text = interners[index].intern(bytes, where: { Validator.isValid($0, for: field) })
                    else { return nil }
                    cell = FieldCell(field: field, value: .set(text.text), index: index, slot: text.slot)
                }
                if firstField == nil { firstField = cell } else { moreFields.append(cell) }
            case .match(let field):
                let cell: MatchCell
                if isNull {
                    cell = MatchCell(field: field, value: nil, index: index, slot: Self.nullSlot)
                } else {
                    guard let text = interners[index].intern(bytes, where: { Validator.isValid($0, for: field) })
                    else { return nil }
                    cell = MatchCell(field: field, value: text.text, index: index, slot: text.slot)
                }
                if firstMatch == nil { firstMatch = cell } else { moreMatches.append(cell) }
            case .configData: return nil
            case .configDataKey:
                let cell: LeafCell
                if isNull {
                    cell = LeafCell(value: .null, index: index)
                } else if Validator.mayBeJSON(bytes) {
                    let value = Validator.cellValue(String(decoding: bytes, as: UTF8.self))
                    if case .object(let members) = value, !members.isEmpty { return nil }
                    cell = LeafCell(value: value, index: index)
                } else {
                    let text = interners[index].intern(bytes)
                    cell = LeafCell(value: .string(text.text), index: index)
                }
                if firstLeaf == nil { firstLeaf = cell } else { moreLeaves.append(cell) }
            case .enabled:
                guard span.ascii, bytes.count == 4, bytes[0] | 0x20 == UInt8(ascii: "t"),
                    bytes[1] | 0x20 == UInt8(ascii: "r"), bytes[2] | 0x20 == UInt8(ascii: "u"),
                    bytes[3] | 0x20 == UInt8(ascii: "e")
                else { return nil }
                enable = true
            case .expectedVersion:
                guard let number = Self.wholeNumber(bytes), number >= 0 else { return nil }
                expectedVersion = number
            case .wave:
                guard let number = Self.wholeNumber(bytes), let small = Int(exactly: number),
                    small.magnitude < 1_000_000
                else { return nil }
                wave = small
            }
        }
        if !moreLeaves.isEmpty, pathsOverlap { return nil }
        let selector: Selector
        switch (id, firstMatch) {
        case (let id?, nil): selector = .id(id)
        case (nil, let first?):
            if expectedVersion != nil { return nil }
            selector = .match(matchValue(first))
        default: return nil
        }
        var fields: [ConfigField: FieldValue] = [:]
        if let firstField { fields = fieldsValue(firstField) }
        var patch = ConfigChange.Patch.none
        if let firstLeaf { patch = patchValue(firstLeaf) }
        let change = ConfigChange(fields: fields, patch: patch, enable: enable)
        guard change.hasFieldChanges || enable else { return nil }
        return ChangeRow(line: line, selector: selector, change: change, expectedVersion: expectedVersion, wave: wave)
    }

    private mutating func fieldsValue(_ first: FieldCell) -> [ConfigField: FieldValue] {
        guard moreFields.isEmpty else {
            var fields = [ConfigField: FieldValue](minimumCapacity: moreFields.count + 1)
            fields[first.field] = first.value
            for cell in moreFields { fields[cell.field] = cell.value }
            return fields
        }
        if let slot = first.slot, let shared = sharedFields[first.index].element(slot) { return shared }
        let fields = [first.field: first.value]
        if let slot = first.slot { sharedFields[first.index].store(fields, at: slot) }
        return fields
    }

    private mutating func matchValue(_ first: MatchCell) -> [ConfigField: String?] {
        guard moreMatches.isEmpty else {
            var match = [ConfigField: String?](minimumCapacity: moreMatches.count + 1)
            match[first.field] = .some(first.value)
            for cell in moreMatches { match[cell.field] = .some(cell.value) }
            return match
        }
        if let slot = first.slot, let shared = sharedMatches[first.index].element(slot) { return shared }
        let match: [ConfigField: String?] = [first.field: first.value]
        if let slot = first.slot { sharedMatches[first.index].store(match, at: slot) }
        return match
    }

    private mutating func patchValue(_ first: LeafCell) -> ConfigChange.Patch {
        let path = paths[first.index]
        guard moreLeaves.isEmpty else {
            let leaves = [first] + moreLeaves
            guard leaves.allSatisfy({ paths[$0.index].count == 1 }) else {
                return .value(
                    PatchLeaves.build(leaves.map { PatchLeaf(path: paths[$0.index], value: $0.value) }) ?? .null)
            }
            // Keys of distinct, non-overlapping columns: what PatchLeaves.build makes, without the walk.
            var object = [String: JSONValue](minimumCapacity: leaves.count)
            for cell in leaves { object[paths[cell.index][0]] = cell.value }
            return .value(.object(object))
        }
        guard path.count == 1 else {
            return .value(PatchLeaves.build([PatchLeaf(path: path, value: first.value)]) ?? .null)
        }
        // One top-level key (nearly every row): its key and value, without a dictionary.
        return .member(key: path[0], value: first.value)
    }

    /// `Int64(text.trimmingSpaces)` on bytes.
    /// `Int64(text)` of the cell's text between spaces and tabs (a sign, then decimal digits, in
    /// range), read from the bytes without making the string.
    static func wholeNumber(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        let negative = start < end && bytes[start] == UInt8(ascii: "-")
        if start < end, negative || bytes[start] == UInt8(ascii: "+") { start += 1 }
        guard start < end else { return nil }
        // Accumulated towards the sign, so that Int64.min is read too.
        var value: Int64 = 0
        for index in start..<end {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            let (next, carry) =
                negative
                ? shifted.subtractingReportingOverflow(Int64(digit)) : shifted.addingReportingOverflow(Int64(digit))
            guard !overflow, !carry else { return nil }
            value = next
        }
        return value
    }
}

extension Array {
    /// The element at `index` when the array is that long (lazily filled caches).
    fileprivate func element<Wrapped>(_ index: Int) -> Wrapped? where Element == Wrapped? {
        index < count ? self[index] : nil
    }

    /// Stores `value` at `index`, growing the cache to hold every slot on first use.
    fileprivate mutating func store<Wrapped>(_ value: Wrapped, at index: Int) where Element == Wrapped? {
        if isEmpty { self = Array(repeating: nil, count: StringInterner.capacity + 1) }
        self[index] = value
    }
}
