/// The syntax of a change list.
public enum ChangeListFormat: String, Sendable, Hashable, Codable, CaseIterable {
    /// RFC 4180 CSV with a header row.
    case csv
    /// A JSON array of objects.
    case json
    /// JSON Lines: one object per line.
    case jsonLines = "jsonl"

    /// The format a file's extension names (`nil` when it names none).
    public static func fromExtension(_ pathExtension: String) -> ChangeListFormat? {
        switch pathExtension.lowercased() {
        case "csv", "txt": .csv
        case "json": .json
        case "jsonl", "ndjson": .jsonLines
        default: nil
        }
    }
}
