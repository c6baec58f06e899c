import Foundation
import Planner

/// An org's configs written as a change list that, planned unedited against the same org, changes
/// nothing: the spreadsheet round trip of `bulk-update export`.
///
/// One row per config, with its `id`, `expectedVersion` (its version: a row edited and applied
/// after someone else changed the config is a conflict, not an overwrite of their change) and every
/// writable field. Values are written so that they read back as exactly themselves (see
/// `docs/FORMATS.md`, "Export"); secret-keyed configData values are never written (an empty cell
/// leaves them as they are).
public enum ChangeListExport {
    /// The syntax of an export.
    public enum Format: String, Sendable, CaseIterable {
        case csv, json, jsonl
    }

    /// The change list of `configs` in `format`.
    public static func render(_ configs: [IntegrationConfig], format: Format) -> String {
        switch format {
        case .csv: csv(configs)
        case .json: "[\n" + configs.map(jsonRecord).joined(separator: ",\n") + (configs.isEmpty ? "]\n" : "\n]\n")
        case .jsonl: configs.map { jsonRecord($0) + "\n" }.joined()
        }
    }

    static let fields: [ConfigField] = [
        .name, .entityType, .entityId, .destination, .destinationId, .integrationCredentialsId,
    ]

    /// CSV: one `configData.<path>` column per leaf path found across the configs (arrays and
    /// empty objects are one leaf, written as JSON); keys that a column name cannot hold (empty,
    /// or with a `.`) go, as a merge patch, to a `configData` column.
    static func csv(_ configs: [IntegrationConfig]) -> String {
        var csv = ChangeListCSV()
        // Every field has its column, to edit in the spreadsheet, whether any config holds it or not.
        for column in ["expectedVersion"] + fields.map(\.rawValue) { csv.declare(column) }
        for config in configs {
            var row = ["id": config.id, "expectedVersion": String(config.version)]
            for field in fields {
                guard let text = config.value(of: field)?.stringValue,
                    let cell = Validator.fieldCellText(text, for: field)
                else { continue }
                row[field.rawValue] = cell
            }
            var unnamed: [String: JSONValue] = [:]
            for (path, value) in leaves(of: config.configData ?? [:]) {
                guard Column.canName(configDataPath: path) else {
                    if let value { unnamed.set(value, at: path) }
                    continue
                }
                let column = "configData." + path.joined(separator: ".")
                // A secret's column is there, its cell empty: the value is left as it is.
                guard let value else {
                    csv.declare(column)
                    continue
                }
                row[column] = Validator.cellText(for: value)
            }
            if !unnamed.isEmpty { row["configData"] = escapingTemplates(.object(unnamed)).canonicalText }
            csv.append(row)
        }
        return csv.render()
    }

    /// The leaves of configData with their paths (`nil`: a secret, not exported); `null` values are
    /// left out (they read as absent).
    static func leaves(of object: [String: JSONValue], prefix: [String] = []) -> [([String], JSONValue?)] {
        var out: [([String], JSONValue?)] = []
        for key in object.keys.sorted() {
            guard let value = object[key], value != .null else { continue }
            let path = prefix + [key]
            if Secrets.isSecretKey(key) {
                out.append((path, nil))
            } else if case .object(let inner) = value, !inner.isEmpty {
                out += leaves(of: inner, prefix: path)
            } else {
                out.append((path, value))
            }
        }
        return out
    }

    /// A JSON record: the same members, configData as an object without its secrets.
    static func jsonRecord(_ config: IntegrationConfig) -> String {
        var members: [String: JSONValue] = ["id": .string(config.id), "expectedVersion": .integer(config.version)]
        for field in fields {
            guard let text = config.value(of: field)?.stringValue, !text.isEmpty,
                Validator.problem(with: text, for: field) == nil
            else { continue }
            members[field.rawValue] = .string(
                Template.isTemplate(text) || text == "\\N" ? Template.literal(text) : text)
        }
        var data: [String: JSONValue] = [:]
        for (path, value) in leaves(of: config.configData ?? [:]) {
            guard let value else { continue }
            data.set(value, at: path)
        }
        if !data.isEmpty { members["configData"] = escapingTemplates(.object(data)) }
        return JSONValue.object(members).canonicalText
    }

    /// `value` with every string that would read back as a template written as a template of one
    /// quoted string (so it renders as itself).
    static func escapingTemplates(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text) where Template.isTemplate(text): .string(Template.literal(text))
        case .object(let members): .object(members.mapValues(escapingTemplates))
        default: value
        }
    }
}
