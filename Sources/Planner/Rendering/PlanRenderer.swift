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
        sink(out)
        // The items (a million of them for a large change list) are written as bytes, values in
        // the canonical JSON text ``JSONWriter`` writes (the same as `canonicalText`).
        var bytes = JSONWriter(capacity: 1 << 17)
        var wave: Int?
        for item in plan.items where item.status != .unchanged {
            if bytes.count > 1 << 16 {
                sink(bytes.withBytes { String(decoding: $0, as: UTF8.self) })
                bytes.removeAll()
            }
            if summary.waves.count > 1, wave != item.wave {
                wave = item.wave
                bytes.raw("\nwave ")
                bytes.integer(Int64(item.wave))
                bytes.raw("\n")
            }
            bytes.raw("\n")
            bytes.plain(item.status.rawValue)
            bytes.raw(" ")
            bytes.plain(item.id)
            if let name = item.name {
                bytes.raw(" \"")
                bytes.plain(name)
                bytes.raw("\"")
            }
            bytes.raw(" (")
            bytes.plain(item.entityType)
            bytes.raw(" → ")
            bytes.plain(item.destination)
            bytes.raw(", version ")
            bytes.integer(item.versionRead)
            bytes.raw(item.lines.count == 1 ? ", line " : ", lines ")
            for (index, line) in item.lines.enumerated() {
                if index > 0 { bytes.raw(",") }
                bytes.integer(Int64(line))
            }
            bytes.raw(")\n")
            for change in item.diff {
                bytes.raw("    ")
                for (index, key) in change.path.enumerated() {
                    if index > 0 { bytes.raw(".") }
                    bytes.plain(key)
                }
                bytes.raw(": ")
                if change.secret {
                    bytes.plain(secretWord(change))
                    bytes.raw(" (secret)\n")
                } else {
                    shown(change.before, into: &bytes)
                    bytes.raw(" → ")
                    shown(change.after, into: &bytes)
                    bytes.raw("\n")
                }
            }
            if item.enable { bytes.raw("    enabled: false → true (POST …/enable)\n") }
        }
        sink(bytes.withBytes { String(decoding: $0, as: UTF8.self) })
    }

    /// `(none)` or the value's canonical JSON text.
    private static func shown(_ value: JSONValue?, into bytes: inout JSONWriter) {
        guard let value else { return bytes.raw("(none)") }
        bytes.value(value)
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
            out += " · input line\(item.lines.count == 1 ? "" : "s") "
            out += item.lines.map(String.init).joined(separator: ", ") + "\n\n"
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

    private static func secretWord(_ change: FieldChange) -> String {
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
