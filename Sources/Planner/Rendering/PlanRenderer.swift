import Foundation

/// Renders a plan for people: plain text for the terminal, Markdown for a review ticket.
///
/// Both start with the summary (counts by status), then list each config that will change with
/// its changed fields `from → to`. Unchanged fields and unchanged configs are not listed one by
/// one. Secret values never appear: a changed secret reads "changed".
public enum PlanRenderer {
    /// Counts of items by status.
    public struct Summary: Sendable, Hashable {
        public var update = 0
        public var enableOnly = 0
        public var unchanged = 0
        public var waves: [Int] = []

        public init(_ plan: Plan) {
            var waves = Set<Int>()
            for item in plan.items {
                switch item.status {
                case .update: update += 1
                case .enableOnly: enableOnly += 1
                case .unchanged: unchanged += 1
                }
                waves.insert(item.wave)
            }
            self.waves = waves.sorted()
        }

        /// Requests the plan will send: one PUT per update, one POST per enable.
        public func requests(_ plan: Plan) -> Int { update + plan.items.filter(\.enable).count }
    }

    /// Plain text for a terminal.
    public static func text(_ plan: Plan) -> String {
        var out = ""
        writeText(plan) { out += $0 }
        return out
    }

    /// ``text(_:)`` handed to `sink` in pieces of about 64 KB (a million-item plan is never one string).
    public static func writeText(_ plan: Plan, to sink: (String) -> Void) {
        let summary = Summary(plan)
        var out = "Plan for \(plan.input.file) (\(plan.input.rows) row\(plan.input.rows == 1 ? "" : "s"))"
        if let org = plan.org { out += " in org \(org)" }
        out += "\n"
        out += "  \(plan.items.count) config\(plan.items.count == 1 ? "" : "s") targeted: "
        out += "\(summary.update) update, \(summary.enableOnly) enable-only, \(summary.unchanged) unchanged"
        out += "; \(summary.requests(plan)) request\(summary.requests(plan) == 1 ? "" : "s") to send\n"
        out += "  fingerprint \(plan.fingerprint.prefix(16))\n"
        for warning in plan.warnings { out += "  \(warning)\n" }
        var wave: Int?
        for item in plan.items where item.status != .unchanged {
            if out.utf8.count > 1 << 16 {
                sink(out)
                out = ""
            }
            if summary.waves.count > 1, wave != item.wave {
                wave = item.wave
                out += "\nwave \(item.wave)\n"
            }
            out += "\n\(item.status.rawValue) \(item.id)"
            if let name = item.name { out += " \"\(name)\"" }
            out += " (\(item.entityType) → \(item.destination), version \(item.versionRead)"
            out += item.inputLines.count == 1 ? ", line " : ", lines "
            out += item.inputLines.map(String.init).joined(separator: ",") + ")\n"
            for change in item.diff {
                out += "    \(change.dottedPath): "
                if change.secret {
                    out += "\(secretWord(change)) (secret)\n"
                } else {
                    out += "\(shown(change.before)) → \(shown(change.after))\n"
                }
            }
            if item.enable { out += "    enabled: false → true (POST …/enable)\n" }
        }
        sink(out)
    }

    /// `(none)` or the value's canonical JSON text.
    private static func shown(_ value: JSONValue?) -> String {
        value?.canonicalText ?? "(none)"
    }

    /// A Markdown document a reviewer can read in a ticket.
    public static func markdown(_ plan: Plan) -> String {
        var out = ""
        writeMarkdown(plan) { out += $0 }
        return out
    }

    /// ``markdown(_:)`` handed to `sink` in pieces of about 64 KB.
    public static func writeMarkdown(_ plan: Plan, to sink: (String) -> Void) {
        let summary = Summary(plan)
        var out = "# Plan: \(escape(plan.input.file))\n\n"
        out += "| | |\n|---|---|\n"
        if let org = plan.org { out += "| Org | `\(org)` |\n" }
        if let baseURL = plan.baseURL { out += "| API | \(escape(baseURL)) |\n" }
        out += "| Change list | `\(escape(plan.input.file))` (\(plan.input.format), \(plan.input.rows) rows, "
        out += "SHA-256 `\(plan.input.digest.prefix(16))…`) |\n"
        out += "| Fingerprint | `\(plan.fingerprint)` |\n"
        out += "| Require match | \(plan.options.requireMatch ? "yes" : "no") |\n\n"
        out += "## Summary\n\n| Status | Configs |\n|---|---:|\n"
        out += "| update | \(summary.update) |\n| enable-only | \(summary.enableOnly) |\n"
        out += "| unchanged | \(summary.unchanged) |\n| **total** | **\(plan.items.count)** |\n\n"
        out += "Requests to send: \(summary.requests(plan)) (one PUT per update, one POST per enable).\n"
        if !plan.warnings.isEmpty {
            out += "\n## Warnings\n\n"
            for warning in plan.warnings { out += "- `\(escape(warning.description))`\n" }
        }
        var wave: Int?
        for item in plan.items where item.status != .unchanged {
            if out.utf8.count > 1 << 16 {
                sink(out)
                out = ""
            }
            if wave != item.wave {
                wave = item.wave
                out += "\n## Wave \(item.wave)\n"
            }
            out += "\n### \(escape(item.name ?? item.id))\n\n"
            out += "`\(item.id)` · \(item.status.rawValue) · \(escape(item.entityType)) → \(escape(item.destination))"
            out += " · version \(item.versionRead)"
            if let expected = item.expectedVersion { out += " (expected \(expected))" }
            out += " · input line\(item.inputLines.count == 1 ? "" : "s") "
            out += item.inputLines.map(String.init).joined(separator: ", ") + "\n\n"
            if !item.diff.isEmpty || item.enable {
                out += "| Field | From | To |\n|---|---|---|\n"
                for change in item.diff {
                    if change.secret {
                        out += "| `\(change.dottedPath)` | *secret* | *\(secretWord(change))* |\n"
                    } else {
                        out += "| `\(change.dottedPath)` | \(cell(change.before)) | \(cell(change.after)) |\n"
                    }
                }
                if item.enable { out += "| `enabled` | false | **true** (enable) |\n" }
            }
        }
        if summary.unchanged > 0 {
            out +=
                "\n\(summary.unchanged) config\(summary.unchanged == 1 ? " is" : "s are") already in the planned state "
            out += "and will not be written.\n"
        }
        sink(out)
    }

    /// How a changed secret reads: `set`, `removed` or `changed` (never its values).
    package static func secretWord(_ change: FieldChange) -> String {
        switch (change.before, change.after) {
        case (nil, _): "set"
        case (_, nil): "removed"
        default: "changed"
        }
    }

    private static func cell(_ value: JSONValue?) -> String {
        guard let value else { return "*(none)*" }
        return "`"
            + value.canonicalText.replacingOccurrences(of: "`", with: "'").replacingOccurrences(of: "|", with: "\\|")
            + "`"
    }

    private static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            if "\\`*_[]|<>#".contains(character) { out.append("\\") }
            out.append(character == "\n" ? " " : character)
        }
        return out
    }
}
