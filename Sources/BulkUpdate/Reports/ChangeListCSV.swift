import Planner

/// Builds a change-list CSV (the format of DESIGN.md "Change list") from rows of named cells.
struct ChangeListCSV {
    /// The `\N` cell: clear the field (or remove the configData key).
    static let clear = "\\N"

    private var rows: [[String: String]] = []

    mutating func append(_ row: [String: String]) { rows.append(row) }

    var count: Int { rows.count }

    /// The header is the union of the columns the rows use, in a fixed order: `id`,
    /// `expectedVersion`, the top-level fields, `configData`, `configData.*` (sorted), `enabled`, `wave`.
    func render() -> String {
        var used = Set<String>()
        for row in rows { used.formUnion(row.keys) }
        var header = ["id"]
        if used.contains("expectedVersion") { header.append("expectedVersion") }
        for field in ConfigField.allCases where used.contains(field.rawValue) { header.append(field.rawValue) }
        header += used.filter { $0.hasPrefix("configData.") }.sorted()
        for column in ["enabled", "wave"] where used.contains(column) { header.append(column) }
        return CSVWriter.document(header: header, rows: rows.map { row in header.map { row[$0] ?? "" } })
    }

    /// Whether a JSON value holds a secret fingerprint anywhere.
    static func holdsFingerprint(_ value: JSONValue?) -> Bool {
        switch value {
        case .string: value.map(Secrets.isFingerprint) ?? false
        case .array(let elements): elements.contains { holdsFingerprint($0) }
        case .object(let members): members.values.contains { holdsFingerprint($0) }
        default: false
        }
    }
}
