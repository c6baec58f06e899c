/// One cell of a change-list record, before interpretation.
public enum RawValue: Sendable, Hashable {
    /// A CSV cell: text, interpreted by column.
    case text(String)
    /// A JSON member: already typed.
    case json(JSONValue)
}

/// One record of a change list as read (a CSV row or a JSON object), its columns known but its
/// values not yet checked: what the read stage hands to ``Validator``.
public struct ChangeRecord: Sendable, Hashable {
    /// One cell: what its column means, the column's name as written, where it is, and its value.
    public struct Cell: Sendable, Hashable {
        public var column: Column
        /// The name as written (`match.destination`), for messages.
        public var name: String
        /// The 1-based column number in a CSV file (`nil` in JSON).
        public var position: Int?
        public var value: RawValue

        public init(column: Column, name: String, position: Int? = nil, value: RawValue) {
            self.column = column
            self.name = name
            self.position = position
            self.value = value
        }
    }

    /// The 1-based line where the record starts.
    public var line: Int
    public var cells: [Cell]
    /// True when reading already found a problem in the record (an unknown key): it is still
    /// checked, so every problem is reported, but it yields no row.
    public var rejected: Bool

    public init(line: Int, cells: [Cell], rejected: Bool = false) {
        self.line = line
        self.cells = cells
        self.rejected = rejected
    }
}

/// A change list as read: its records and the problems reading found (syntax, unknown columns).
public struct ChangeRecords: Sendable {
    /// The file name used in diagnostics (as the user gave it).
    public var file: String
    public var format: ChangeListFormat
    /// Lower-case hex SHA-256 of the file's bytes.
    public var digest: String
    /// The records whose syntax is sound, in input order.
    public var records: [ChangeRecord]
    /// Number of data records read, sound or not.
    public var count: Int
    /// The problems found while reading, in input order.
    public var diagnostics: [Diagnostic]
}
