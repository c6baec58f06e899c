import Planner

/// Builds a change-list CSV (the format of DESIGN.md "Change list") from rows of named cells.
struct ChangeListCSV {
    /// The `\N` cell: clear the field (or remove the configData key).
    static let clear = "\\N"

    private var rows: [[String: String]] = []
    private var declared = Set<String>()

    mutating func append(_ row: [String: String]) { rows.append(row) }

    /// Makes `column` part of the header even when no row has a cell in it.
    mutating func declare(_ column: String) { declared.insert(column) }

    var count: Int { rows.count }

    /// The header is the union of the columns the rows use and those declared, in a fixed order:
    /// `id`, `expectedVersion`, the top-level fields, `configData`, `configData.*` (sorted),
    /// `enabled`, `wave`.
    func render() -> String {
        var used = declared
        for row in rows { used.formUnion(row.keys) }
        var header = ["id"]
        if used.contains("expectedVersion") { header.append("expectedVersion") }
        for field in ConfigField.allCases where used.contains(field.rawValue) { header.append(field.rawValue) }
        header += used.filter { $0.hasPrefix("configData.") }.sorted()
        for column in ["enabled", "wave"] where used.contains(column) { header.append(column) }
        let position = Dictionary(uniqueKeysWithValues: header.enumerated().map { ($1, $0) })
        var out = CSVWriter.record(header)
        for row in rows {
            var cells = [String](repeating: "", count: header.count)
            for (column, text) in row {
                if let index = position[column] { cells[index] = text }
            }
            out += CSVWriter.record(cells)
        }
        return out
    }
}
