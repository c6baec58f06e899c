import ArgumentParser
import Foundation
import Planner

/// `bulk-update validate CHANGES`: checks a change list offline.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a change list without contacting the API.",
        discussion: """
            Reads a CSV, JSON or JSON Lines change list and reports every problem at once, \
            compiler-style (file:line:column: error: …), on standard error. Nothing is sent.
            Conflicts between 'match.*' rows need the org's configs: 'plan' reports those.

            Exit status: 0 when the change list is valid (warnings allowed), 2 when it has errors.

            Example:
              bulk-update validate changes.csv
            """
    )

    @Argument(help: "The change list (.csv, .json or .jsonl).", completion: .file())
    var changes: String

    @Option(
        name: .customLong("format"), help: "The change-list syntax when the extension does not tell (csv, json, jsonl)."
    )
    var inputFormat: ChangeListFormat?

    func run() async throws {
        let list = try PlannerCommandSupport.readChanges(changes, format: inputFormat)
        let diagnostics = Validator.validate(list)
        PlannerCommandSupport.printDiagnostics(diagnostics)
        if diagnostics.contains(where: { $0.severity == .error }) { throw ExitCode(2) }
        let rows = list.rows.count
        PlannerCommandSupport.standardError("\(list.file): \(rows) row\(rows == 1 ? "" : "s") valid\n")
    }
}

extension ChangeListFormat: ExpressibleByArgument {}

/// Small helpers shared by the planner's commands (reading inputs, printing diagnostics).
enum PlannerCommandSupport {
    /// Writes `text` to standard error.
    static func standardError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Prints diagnostics compiler-style on standard error, then a count line when there are errors.
    static func printDiagnostics(_ diagnostics: [Diagnostic]) {
        guard !diagnostics.isEmpty else { return }
        var out = diagnostics.map(\.description).joined(separator: "\n") + "\n"
        let errors = diagnostics.filter { $0.severity == .error }.count
        if errors > 0 { out += "\(errors) error\(errors == 1 ? "" : "s"); nothing was sent\n" }
        standardError(out)
    }

    /// Reads a change list, turning an unreadable file into exit code 2 with a message.
    static func readChanges(_ path: String, format: ChangeListFormat?) throws -> ChangeList {
        do {
            return try ChangeListReader.read(url: URL(fileURLWithPath: path), displayName: path, format: format)
        } catch {
            standardError("error: \(error)\n")
            throw ExitCode(2)
        }
    }
}
