/// One cell of a change-list record, before interpretation.
public enum RawValue: Sendable, Hashable {
    /// A CSV cell: text, interpreted by column.
    case text(String)
    /// A JSON member: already typed.
    case json(JSONValue)
}

/// One record of a change list (a CSV row or a JSON object) as read, keyed by column name.
public struct RawRecord: Sendable, Hashable {
    /// The 1-based line where the record starts.
    public var line: Int
    /// `(column name, 1-based column number or nil for JSON, value)` in input order.
    public var cells: [(key: String, column: Int?, value: RawValue)]

    public init(line: Int, cells: [(key: String, column: Int?, value: RawValue)]) {
        self.line = line
        self.cells = cells
    }

    public static func == (lhs: RawRecord, rhs: RawRecord) -> Bool {
        lhs.line == rhs.line && lhs.cells.elementsEqual(rhs.cells) { $0 == $1 }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(line)
        for cell in cells {
            hasher.combine(cell.key)
            hasher.combine(cell.value)
        }
    }
}
