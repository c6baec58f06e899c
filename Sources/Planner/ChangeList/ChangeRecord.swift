/// One cell of a change-list record, before interpretation.
package enum RawValue: Sendable, Hashable {
    /// A CSV cell: text, interpreted by column.
    case text(String)
    /// A JSON member: already typed.
    case json(JSONValue)
}

/// One record of a change list as read (a CSV row or a JSON object), its columns known but its
/// values not yet checked: what the read stage hands to ``Validator``.
package struct ChangeRecord: Sendable, Hashable {
    /// One cell: what its column means, the column's name as written, where it is, and its value.
    package struct Cell: Sendable, Hashable {
        package var column: Column
        /// The name as written (`match.destination`), for messages.
        package var name: String
        /// The 1-based column number in a CSV file (`nil` in JSON).
        package var position: Int?
        package var value: RawValue

        package init(column: Column, name: String, position: Int? = nil, value: RawValue) {
            self.column = column
            self.name = name
            self.position = position
            self.value = value
        }
    }

    /// The 1-based line where the record starts.
    package var line: Int
    package var cells: [Cell]
    /// True when reading already found a problem in the record (an unknown key): it is still
    /// checked, so every problem is reported, but it yields no row.
    package var rejected: Bool

    package init(line: Int, cells: [Cell], rejected: Bool = false) {
        self.line = line
        self.cells = cells
        self.rejected = rejected
    }
}

/// A change list as read: its records and the problems reading found (syntax, unknown columns).
package struct ChangeRecords: Sendable {
    /// The file name used in diagnostics (as the user gave it).
    package var file: String
    package var format: ChangeListFormat
    /// Lower-case hex SHA-256 of the file's bytes.
    package var digest: String
    /// The records whose syntax is sound, in input order.
    package var records: [ChangeRecord]
    /// Number of data records read, sound or not.
    package var count: Int
    /// The problems found while reading, in input order.
    package var diagnostics: [Diagnostic]
}
