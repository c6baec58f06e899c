import ArgumentParser
import BulkUpdate
import Foundation
import Planner

extension ChangeListExport.Format: ExpressibleByArgument {}

/// `bulk-update export`: the org's configs as a change list to edit and apply.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the org's configs as a change list to edit (in a spreadsheet) and apply.",
        discussion: """
            Reads the org with one list sweep (read-only) and writes one row per config: id, \
            expectedVersion, the writable fields and, in CSV, one configData.<path> column per value \
            (JSON and JSON Lines keep configData as an object). Planned unedited against the same org, \
            the export changes nothing; edit some cells, and `apply` changes exactly those fields of \
            those configs. expectedVersion makes a config someone changed after the export a conflict \
            instead of an overwrite. Secret values are never exported: their cells stay empty, which \
            leaves them as they are. Values a spreadsheet would run as formulas are written so that \
            it cannot (docs/FORMATS.md, "Export").

            Examples:
              bulk-update export --out configs.csv
              bulk-update export --match destination=Webhook --out webhooks.csv
              bulk-update export --format jsonl > configs.jsonl
            """
    )

    @Option(
        name: .customLong("match"),
        help: ArgumentHelp(
            "Export only the configs whose FIELD equals VALUE (as a match.<field> column; \\N: absent). Repeatable.",
            valueName: "FIELD=VALUE"))
    var matches: [String] = []

    @Option(help: "csv, json or jsonl (default: from the --out extension, else csv).")
    var format: ChangeListExport.Format?

    @Option(help: "Write the change list here (mode 0600) instead of standard output.", completion: .file())
    var out: String?

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        _ = try selectors()
    }

    /// The `--match` selectors by field.
    func selectors() throws -> [ConfigField: String?] {
        var fields: [ConfigField: String?] = [:]
        for match in matches {
            guard let equals = match.firstIndex(of: "=") else {
                throw ValidationError("--match wants FIELD=VALUE, got '\(match)'")
            }
            let name = String(match[..<equals])
            let value = String(match[match.index(after: equals)...])
            // Read as a change list's `match.<field>` column is.
            guard case .match(let field)? = Column(name: "match.\(name)") else {
                throw ValidationError("--match: \(Column.unknownMessage("match.\(name)"))")
            }
            guard fields[field] == nil else { throw ValidationError("--match: '\(name)' is given twice") }
            fields[field] = value == "\\N" ? .some(nil) : .some(value)
        }
        return fields
    }

    func run() async throws {
        let chosen =
            format ?? out.flatMap {
                ChangeListExport.Format(rawValue: URL(fileURLWithPath: $0).pathExtension.lowercased())
            }
            ?? .csv
        let client = try connection.makeClient(rate: RateLimiter.defaultRate, concurrency: 4)
        let configs = Resolver.configs(try await client.readOrg(), matching: try selectors())
        let text = ChangeListExport.render(configs, format: chosen)
        guard let out else {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        let url = URL(fileURLWithPath: out)
        guard
            FileManager.default.createFile(
                atPath: url.path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        else {
            Terminal.errorLine("error: cannot write \(out)")
            throw Exit.problems
        }
        Terminal.errorLine("\(configs.count) config\(configs.count == 1 ? "" : "s") exported to \(out)")
    }
}
