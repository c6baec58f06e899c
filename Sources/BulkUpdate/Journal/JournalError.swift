/// A failure writing or reading a run's journal.
public enum JournalError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The journal file could not be opened or created.
    case cannotOpen(path: String, reason: String)
    /// A write or fdatasync failed; the journal refuses further records (the file stays valid to read).
    case writeFailed(path: String, reason: String)
    /// ``JournalWriter/append(_:)`` after ``JournalWriter/close()``.
    case closed(path: String)
    /// The journal could not be read.
    case unreadable(path: String, reason: String)
    /// A line before the last one is not a valid record: the file was damaged, not merely cut short.
    case corruptLine(path: String, line: Int, reason: String)
    /// The file does not start with a header line.
    case missingHeader(path: String)
    /// A header names a format this build does not know.
    case unsupportedFormatVersion(path: String, line: Int, version: Int)
    /// A header names another plan than the journal's first header (or than the run being written).
    case planMismatch(path: String, line: Int, expected: String, found: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "cannot open journal \(path): \(reason)"
        case .writeFailed(let path, let reason):
            "cannot write journal \(path): \(reason); the run stops here and can be resumed once this is fixed"
        case .closed(let path): "journal \(path) is already closed"
        case .unreadable(let path, let reason): "cannot read journal \(path): \(reason)"
        case .corruptLine(let path, let line, let reason):
            "\(path):\(line): corrupt journal record (\(reason)); only a damaged last line is tolerated"
        case .missingHeader(let path): "\(path):1: not a bulk-update journal (the first line is not a header)"
        case .unsupportedFormatVersion(let path, let line, let version):
            "\(path):\(line): journal format version \(version) is not supported by this build (expected "
                + "\(JournalHeader.currentFormatVersion))"
        case .planMismatch(let path, let line, let expected, let found):
            "\(path):\(line): journal belongs to plan \(found), not to plan \(expected)"
        }
    }
}
