import Foundation

/// A value with `{{ expr }}` placeholders, rendered for each config a row targets.
///
/// `expr` is a path into the config (`id`, `name`, `entityType`, `entityId`, `destination`,
/// `destinationId`, `integrationCredentialsId`, `configData.a.b`) or a quoted string, followed by
/// filters: `| replace("from", "to")`, `| regex_replace("pattern", "replacement")` (`$1` for a
/// group), `| lower`, `| upper`, `| trim`, `| default("value")`. Text outside `{{ }}` is literal;
/// the result is always a string. Any text containing `{{` is a template (a literal `{{` is
/// written `{{ "{{" }}`).
package struct Template: Sendable, Hashable {
    /// Where a template's value comes from.
    package enum Source: Sendable, Hashable {
        case id
        case field(ConfigField)
        /// A key path inside configData (at least one key).
        case configData([String])
        /// A quoted string: the text itself.
        case text(String)

        /// The path as written in a change list (`configData.webhook.url`).
        package var path: [String] {
            switch self {
            case .id: ["id"]
            case .field(let field): [field.rawValue]
            case .configData(let keys): ["configData"] + keys
            case .text: []
            }
        }
    }

    package enum Filter: Sendable, Hashable {
        case replace(String, String)
        case regexReplace(String, String)
        case lower, upper, trim
        case defaultValue(String)
    }

    package struct Expression: Sendable, Hashable {
        package var source: Source
        package var filters: [Filter]
    }

    package enum Part: Sendable, Hashable {
        case literal(String)
        case expression(Expression)
    }

    package var parts: [Part]

    /// A template that renders as exactly `text`: `{{ "text" }}` (quotes and backslashes escaped).
    package static func literal(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            default: escaped.append(character)
            }
        }
        return "{{ \"" + escaped + "\" }}"
    }

    /// Whether `text` is a template (holds `{{`).
    package static func isTemplate(_ text: String) -> Bool {
        var previous: UInt8 = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: "{"), previous == byte { return true }
            previous = byte
        }
        return false
    }

    /// Why a template cannot be used, and where in its text (a 0-based character offset).
    package struct Problem: Error, Sendable, Hashable {
        package var message: String
        package var offset: Int

        package init(message: String, offset: Int) {
            self.message = message
            self.offset = offset
        }
    }

    /// The template in `text`.
    ///
    /// - Throws: ``Problem``: an unbalanced `{{`, an unknown field or filter, wrong arguments, a
    ///   pattern that is not a regular expression, or a secret-keyed field.
    package init(parsing text: String) throws(Problem) {
        var scanner = Scanner(Array(text))
        parts = []
        var literal = ""
        while let character = scanner.peek() {
            if scanner.consume("{{") {
                if !literal.isEmpty { parts.append(.literal(literal)) }
                literal = ""
                let start = scanner.offset - 2
                parts.append(.expression(try scanner.expression(openedAt: start)))
            } else {
                literal.append(character)
                scanner.offset += 1
            }
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
    }

    /// The paths of the config this template reads.
    package var reads: [[String]] {
        parts.compactMap { part in
            guard case .expression(let expression) = part, !expression.source.path.isEmpty else { return nil }
            return expression.source.path
        }
    }

    /// Why rendering failed for one config.
    package enum RenderError: Error, Sendable, Hashable {
        /// The config has no value at this path and the expression gives no `default`.
        case absent(path: [String])
    }

    /// The text for `config`.
    ///
    /// - Throws: ``RenderError/absent(path:)`` when a path the template reads has no value and no
    ///   `default` follows it.
    package func render(for config: IntegrationConfig) throws(RenderError) -> String {
        var out = ""
        for part in parts {
            switch part {
            case .literal(let text): out += text
            case .expression(let expression):
                var value = Self.value(of: expression.source, in: config)
                for filter in expression.filters { value = Self.apply(filter, to: value) }
                guard let value else { throw .absent(path: expression.source.path) }
                out += value
            }
        }
        return out
    }

    /// The value at `source` as text (`nil`: absent or `null`); a configData value that is not a
    /// string as its canonical JSON.
    package static func value(of source: Source, in config: IntegrationConfig) -> String? {
        switch source {
        case .id: return config.id
        case .text(let text): return text
        case .field(let field): return config.value(of: field)?.stringValue
        case .configData(let keys):
            var current: JSONValue? = config.configData.map(JSONValue.object)
            for key in keys { current = current?.objectValue?[key] }
            guard let current, current != .null else { return nil }
            return current.stringValue ?? current.canonicalText
        }
    }

    private static func apply(_ filter: Filter, to value: String?) -> String? {
        switch filter {
        case .defaultValue(let fallback): return value ?? fallback
        case .replace(let from, let to): return value?.replacingOccurrences(of: from, with: to)
        case .lower: return value?.lowercased()
        case .upper: return value?.uppercased()
        case .trim: return value?.trimmingCharacters(in: .whitespacesAndNewlines)
        case .regexReplace(let pattern, let replacement):
            guard let value, let regex = try? NSRegularExpression(pattern: pattern) else { return value }
            return regex.stringByReplacingMatches(
                in: value, range: NSRange(value.startIndex..., in: value), withTemplate: replacement)
        }
    }
}

/// Reads one template's text, character by character.
private struct Scanner {
    let characters: [Character]
    var offset = 0

    init(_ characters: [Character]) {
        self.characters = characters
    }

    func peek() -> Character? {
        offset < characters.count ? characters[offset] : nil
    }

    mutating func consume(_ text: String) -> Bool {
        let expected = Array(text)
        guard offset + expected.count <= characters.count,
            Array(characters[offset..<(offset + expected.count)]) == expected
        else { return false }
        offset += expected.count
        return true
    }

    mutating func skipSpaces() {
        while let character = peek(), character == " " || character == "\t" { offset += 1 }
    }

    func problem(_ message: String, at offset: Int? = nil) -> Template.Problem {
        Template.Problem(message: message, offset: offset ?? self.offset)
    }

    /// `expr }}` after an opening `{{` at `start`.
    mutating func expression(openedAt start: Int) throws(Template.Problem) -> Template.Expression {
        skipSpaces()
        let source = try self.source(openedAt: start)
        var filters: [Template.Filter] = []
        while true {
            skipSpaces()
            if consume("}}") { return Template.Expression(source: source, filters: filters) }
            guard peek() != nil else { throw problem("'{{' is never closed (a '}}' is missing)", at: start) }
            guard consume("|") else { throw problem("expected '|' or '}}'") }
            skipSpaces()
            filters.append(try filter())
        }
    }

    private mutating func source(openedAt start: Int) throws(Template.Problem) -> Template.Source {
        if peek() == "\"" { return .text(try string()) }
        let at = offset
        let path = word(allowing: ".").split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let head = path.first, !head.isEmpty else {
            guard peek() != nil else { throw problem("'{{' is never closed (a '}}' is missing)", at: start) }
            throw problem("expected a field (id, name, …, configData.<key>) or a quoted string")
        }
        if head == "configData" {
            let keys = Array(path.dropFirst())
            guard !keys.isEmpty, !keys.contains(where: \.isEmpty) else {
                throw problem("write configData.<key>[.<key>…] to read a configData value", at: at)
            }
            if let secret = keys.first(where: Secrets.isSecretKey) {
                throw problem(
                    "cannot read 'configData.\(keys.joined(separator: "."))': '\(secret)' is a secret key, "
                        + "and secrets are never rendered", at: at)
            }
            return .configData(keys)
        }
        guard path.count == 1 else { throw problem("unknown field '\(path.joined(separator: "."))'", at: at) }
        if head == "id" { return .id }
        guard let field = ConfigField(rawValue: head), field != .configData else {
            let known = ["id"] + ConfigField.allCases.filter { $0 != .configData }.map(\.rawValue)
            let hint = NameSuggester.nearest(to: head, in: known).map { " (did you mean '\($0)'?)" } ?? ""
            throw problem("unknown field '\(head)'\(hint)", at: at)
        }
        return .field(field)
    }

    private mutating func filter() throws(Template.Problem) -> Template.Filter {
        let at = offset
        let name = word(allowing: "_")
        skipSpaces()
        var arguments: [String] = []
        if consume("(") {
            skipSpaces()
            if !consume(")") {
                repeat {
                    skipSpaces()
                    arguments.append(try string())
                    skipSpaces()
                } while consume(",")
                guard consume(")") else { throw problem("expected ',' or ')' after a filter argument") }
            }
        }
        func expect(_ count: Int) throws(Template.Problem) {
            guard arguments.count == count else {
                let wanted = count == 0 ? "no arguments" : count == 1 ? "one quoted argument" : "two quoted arguments"
                throw problem("'\(name)' takes \(wanted)", at: at)
            }
        }
        switch name {
        case "replace":
            try expect(2)
            return .replace(arguments[0], arguments[1])
        case "regex_replace":
            try expect(2)
            do {
                _ = try NSRegularExpression(pattern: arguments[0])
            } catch {
                throw problem("'\(arguments[0])' is not a valid regular expression", at: at)
            }
            return .regexReplace(arguments[0], arguments[1])
        case "lower":
            try expect(0)
            return .lower
        case "upper":
            try expect(0)
            return .upper
        case "trim":
            try expect(0)
            return .trim
        case "default":
            try expect(1)
            return .defaultValue(arguments[0])
        case "":
            throw problem("expected a filter after '|'", at: at)
        default:
            let known = ["replace", "regex_replace", "lower", "upper", "trim", "default"]
            let hint = NameSuggester.nearest(to: name, in: known).map { " (did you mean '\($0)'?)" } ?? ""
            throw problem("unknown filter '\(name)'\(hint)", at: at)
        }
    }

    /// Letters, digits and `extra`.
    private mutating func word(allowing extra: Character) -> String {
        var out = ""
        while let character = peek(), character.isLetter || character.isNumber || character == extra || character == "-"
        {
            out.append(character)
            offset += 1
        }
        return out
    }

    /// A double-quoted string with JSON's escapes.
    private mutating func string() throws(Template.Problem) -> String {
        let at = offset
        guard consume("\"") else { throw problem("expected a quoted string") }
        var out = ""
        while let character = peek() {
            offset += 1
            switch character {
            case "\"": return out
            case "\\":
                guard let escaped = peek() else { break }
                offset += 1
                switch escaped {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "r": out.append("\r")
                default: out.append(escaped)
                }
            default: out.append(character)
            }
        }
        throw problem("a quoted string is never closed", at: at)
    }
}
