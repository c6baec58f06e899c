/// A failure to read an input file at all (as opposed to problems inside it, which are diagnostics).
public enum InputError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be opened or read.
    case unreadable(path: String, reason: String)
    /// The file is not a snapshot: neither a JSON array of configs nor `{"data": [...]}`.
    case invalidSnapshot(path: String, line: Int, message: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read '\(path)': \(reason)"
        case .invalidSnapshot(let path, let line, let message):
            "\(path):\(line): \(message) (a snapshot is a JSON list of configs or {\"data\": [...]})"
        }
    }
}
