/// A change list as read and validated: its rows, where it came from, and every problem found.
public struct ChangeList: Sendable {
    /// The file name used in diagnostics (as the user gave it).
    public var file: String
    public var format: ChangeListFormat
    /// Lower-case hex SHA-256 of the file's bytes.
    public var digest: String
    /// The valid rows, in input order (rows with errors are left out).
    public var rows: [ChangeRow]
    /// Number of data records read, valid or not.
    public var recordCount: Int
    /// Every problem found while reading and validating, in input order.
    public var diagnostics: [Diagnostic]

    public init(
        file: String, format: ChangeListFormat, digest: String, rows: [ChangeRow], recordCount: Int,
        diagnostics: [Diagnostic]
    ) {
        self.file = file
        self.format = format
        self.digest = digest
        self.rows = rows
        self.recordCount = recordCount
        self.diagnostics = diagnostics
    }

    /// Whether any diagnostic is an error (nothing may be sent).
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// The plan's record of this input.
    public var planInput: PlanInput {
        PlanInput(file: file, digest: digest, format: format.rawValue, rows: recordCount)
    }
}
