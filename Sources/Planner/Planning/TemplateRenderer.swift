/// Renders a row's templated values for one config it targets: the render-templates stage of
/// planning, between resolving and merging (so every row is merged with concrete values).
package enum TemplateRenderer {
    /// The row with every templated value rendered for `config`, and the config's values the
    /// templates read (for the conflict rule: if one changes before the apply, the item is a
    /// conflict); or the problems, one per templated value that cannot be rendered for it.
    package static func render(_ row: ChangeRow, for config: IntegrationConfig) -> Result<
        (row: ChangeRow, reads: [FieldRead]), Problems
    > {
        var rendered = row
        var reads: [FieldRead] = []
        var problems: [Problem] = []
        for value in row.templates {
            let text: String
            do {
                text = try value.template.render(for: config)
            } catch {
                switch error {
                case .absent(let path):
                    problems.append(
                        Problem(
                            value: value, message: "has no '\(path.joined(separator: "."))'",
                            hint: " (give one with | default(\"…\"))"))
                }
                continue
            }
            for path in value.template.reads where path != ["id"] {
                let read = config.redactedValue(at: path)
                if case .object(let members)? = read, Secrets.containsSecret(members) {
                    problems.append(
                        Problem(
                            value: value, message: "holds a secret under '\(path.joined(separator: "."))'",
                            hint: " (secrets are never rendered)"))
                    continue
                }
                if !reads.contains(where: { $0.path == path }) { reads.append(FieldRead(path: path, value: read)) }
            }
            switch value.target {
            case .field(let field):
                if let problem = Validator.problem(with: text, for: field) {
                    problems.append(Problem(value: value, message: "renders a value that \(problem)", hint: ""))
                    continue
                }
                rendered.change.fields[field] = .set(text)
            case .configData(let path):
                var patch = rendered.change.configDataPatch?.objectValue ?? [:]
                patch.set(.string(text), at: path)
                rendered.change.configDataPatch = .object(patch)
            }
        }
        guard problems.isEmpty else { return .failure(Problems(problems: problems)) }
        rendered.templates = []
        return .success((rendered, reads))
    }

    /// A templated value that cannot be rendered for a config: what is wrong (after "config X ").
    package struct Problem: Sendable, Hashable {
        package var value: TemplatedValue
        package var message: String
        package var hint: String
    }

    package struct Problems: Error, Sendable, Hashable {
        package var problems: [Problem]
    }

    /// Collects problems across configs: one error per templated cell and kind of problem, naming
    /// the first config and counting the others (a template that fails on 300 configs is one error).
    package struct Collector: Sendable {
        private struct Key: Hashable {
            var line: Int
            var column: String
            var message: String
        }
        private var order: [Key] = []
        private var found: [Key: (position: Int?, configID: String, hint: String, count: Int)] = [:]

        package init() {}

        package mutating func add(_ problems: Problems, line: Int, configID: String) {
            for problem in problems.problems {
                let key = Key(line: line, column: problem.value.column, message: problem.message)
                if let existing = found[key] {
                    found[key]?.count = existing.count + 1
                } else {
                    order.append(key)
                    found[key] = (problem.value.position, configID, problem.hint, 1)
                }
            }
        }

        package func diagnostics(file: String) -> [Diagnostic] {
            order.compactMap { key in
                guard let hit = found[key] else { return nil }
                let more = hit.count > 1 ? " (and \(hit.count - 1) more config\(hit.count > 2 ? "s" : ""))" : ""
                return Diagnostic(
                    .error, file: file, line: key.line, column: hit.position,
                    "'\(key.column)': config \(hit.configID)\(more) \(key.message)\(hit.hint)")
            }
        }
    }
}
