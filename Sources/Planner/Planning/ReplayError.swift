/// Why a change list cannot restore a plan's withheld secrets.
public enum ReplayError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The change list is not the file the plan was made from.
    case digestMismatch(file: String, expected: String, actual: String)
    /// The change list has errors.
    case invalidChangeList(file: String)
    /// Re-resolving the change list did not give an item the change it was planned with.
    case itemMismatch(id: String)

    public var description: String {
        switch self {
        case .digestMismatch(let file, let expected, let actual):
            "'\(file)' is not the change list this plan was made from (SHA-256 \(actual.prefix(12))…, "
                + "the plan expects \(expected.prefix(12))…); pass the original file with --changes"
        case .invalidChangeList(let file): "'\(file)' has errors; run 'bulk-update validate \(file)'"
        case .itemMismatch(let id):
            "the change list does not rebuild the planned change for config \(id); make a new plan"
        }
    }
}
