/// Interprets the data rows of a CSV change list straight from the reader's byte ranges.
///
/// An ordinary valid row (no doubled quotes to undo, no whole-`configData` JSON, no `configData`
/// object to take apart, nothing to warn about) is built with no `String` per cell and no
/// temporary collections: cells are checked on their bytes, repeated texts are interned per column
/// (``StringInterner``), and single-entry `fields`, `match` and `configData` values built from
/// interned texts are shared between rows. Every other row, in particular every row with an error
/// or a warning, goes through ``Validator/interpret(line:cells:into:)``, so the diagnostics are
/// exactly the validator's and the rows are equal to what it would build.
struct CSVRowInterpreter {
    /// What a column means, without payloads to retain and release per cell.
    private enum Kind {
        case id, field(ConfigField), match(ConfigField), configData, configDataKey, enabled, expectedVersion, wave
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
    private var sharedPatches: [[JSONValue?]]
    /// Whether two `configData.<key>` columns can set overlapping keys (only the validator's leaf
    /// comparison can then tell whether a row is valid).
    private let pathsOverlap: Bool
    private var fieldCells: [(field: ConfigField, value: FieldValue, index: Int, slot: Int?)] = []
    private var matchCells: [(field: ConfigField, value: String?, index: Int, slot: Int?)] = []
    private var leafCells: [(value: JSONValue, index: Int, slot: Int?)] = []
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
        sharedPatches = Array(repeating: [], count: columns.count)
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
    private mutating func ordinaryRow(line: Int, spans: [CSVFieldSpan], reader: CSVReader) -> ChangeRow? {
        fieldCells.removeAll(keepingCapacity: true)
        matchCells.removeAll(keepingCapacity: true)
        leafCells.removeAll(keepingCapacity: true)
        var id: String?
        var enable = false
        var expectedVersion: Int64?
        var wave: Int?

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
                if isNull {
                    guard !field.isRequired else { return nil }
                    fieldCells.append((field, .clear, index, Self.nullSlot))
                } else {
                    guard Validator.isValid(bytes, for: field) else { return nil }
                    let text = interners[index].intern(bytes)
                    fieldCells.append((field, .set(text.text), index, text.slot))
                }
            case .match(let field):
                if isNull {
                    matchCells.append((field, nil, index, Self.nullSlot))
                } else {
                    guard Validator.isValid(bytes, for: field) else { return nil }
                    let text = interners[index].intern(bytes)
                    matchCells.append((field, text.text, index, text.slot))
                }
            case .configData: return nil
            case .configDataKey:
                if isNull {
                    leafCells.append((.null, index, Self.nullSlot))
                } else if Validator.mayBeJSON(bytes) {
                    let value = Validator.cellValue(String(decoding: bytes, as: UTF8.self))
                    if case .object(let members) = value, !members.isEmpty { return nil }
                    leafCells.append((value, index, nil))
                } else {
                    let text = interners[index].intern(bytes)
                    leafCells.append((.string(text.text), index, text.slot))
                }
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
        if leafCells.count > 1, pathsOverlap { return nil }
        let selector: Selector
        switch (id, matchCells.isEmpty) {
        case (let id?, true): selector = .id(id)
        case (nil, false):
            if expectedVersion != nil { return nil }
            selector = .match(matchValue())
        default: return nil
        }
        let change = ConfigChange(fields: fieldsValue(), configDataPatch: patchValue(), enable: enable)
        guard change.hasFieldChanges || enable else { return nil }
        return ChangeRow(line: line, selector: selector, change: change, expectedVersion: expectedVersion, wave: wave)
    }

    private mutating func fieldsValue() -> [ConfigField: FieldValue] {
        if fieldCells.count == 1, let slot = fieldCells[0].slot {
            let cell = fieldCells[0]
            if let shared = sharedFields[cell.index].element(slot) { return shared }
            let fields = [cell.field: cell.value]
            sharedFields[cell.index].store(fields, at: slot)
            return fields
        }
        var fields = [ConfigField: FieldValue](minimumCapacity: fieldCells.count)
        for cell in fieldCells { fields[cell.field] = cell.value }
        return fields
    }

    private mutating func matchValue() -> [ConfigField: String?] {
        if matchCells.count == 1, let slot = matchCells[0].slot {
            let cell = matchCells[0]
            if let shared = sharedMatches[cell.index].element(slot) { return shared }
            let match: [ConfigField: String?] = [cell.field: cell.value]
            sharedMatches[cell.index].store(match, at: slot)
            return match
        }
        var match = [ConfigField: String?](minimumCapacity: matchCells.count)
        for cell in matchCells { match[cell.field] = .some(cell.value) }
        return match
    }

    private mutating func patchValue() -> JSONValue? {
        guard !leafCells.isEmpty else { return nil }
        if leafCells.count == 1, paths[leafCells[0].index].count == 1, let slot = leafCells[0].slot {
            let cell = leafCells[0]
            if let shared = sharedPatches[cell.index].element(slot) { return shared }
            let patch = JSONValue.object([paths[cell.index][0]: cell.value])
            sharedPatches[cell.index].store(patch, at: slot)
            return patch
        }
        guard leafCells.allSatisfy({ paths[$0.index].count == 1 }) else {
            return PatchLeaves.build(leafCells.map { PatchLeaf(path: paths[$0.index], value: $0.value) })
        }
        // Keys of distinct, non-overlapping columns: what PatchLeaves.build makes, without the walk.
        var object = [String: JSONValue](minimumCapacity: leafCells.count)
        for cell in leafCells { object[paths[cell.index][0]] = cell.value }
        return .object(object)
    }

    /// `Int64(text.trimmingSpaces)` on bytes.
    private static func wholeNumber(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        return Int64(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))
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
