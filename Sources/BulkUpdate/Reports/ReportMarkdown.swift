import Foundation

/// `report.md`: for a reviewer to paste into a ticket: the summary, problems first, then every item.
public enum ReportMarkdown {
    /// Renders the report as GitHub-flavoured Markdown.
    public static func render(_ report: Report) -> String {
        let summary = report.summary
        var out = "# bulk-update run report\n\n"
        let verdict =
            summary.counts.total == 0
            ? "**Nothing to do**: the plan holds no items."
            : summary.succeeded
                ? "**All \(ReportText.count(summary.counts.total)) items done**: applied, enabled or already in place."
                : "**\(ReportText.count(summary.counts.failed + summary.counts.conflict)) of "
                    + "\(ReportText.count(summary.counts.total)) items need attention** "
                    + "(failed or conflict), \(ReportText.count(summary.counts.notAttempted + summary.counts.skipped)) "
                    + "not done (skipped or not attempted)."
        out += verdict + "\n\n"
        out += "## Summary\n\n| | |\n|---|---|\n"
        var facts: [(String, String)] = [
            ("Plan", code(summary.planFingerprint)),
            ("Input", "\(escape(summary.inputFile)) (sha256 \(code(String(summary.inputDigest.prefix(16)))))"),
        ]
        if let org = summary.org { facts.append(("Org", code(org))) }
        if let baseURL = summary.baseURL { facts.append(("API", escape(baseURL))) }
        if let approver = summary.approvedBy {
            facts.append(("Approved by", "\(escape(approver.principal)), key \(code(approver.keyFingerprint))"))
        }
        facts += [
            ("Started", ReportText.time(summary.startedAt)),
            ("Ended", ReportText.time(summary.endedAt)),
            ("Duration", ReportText.duration(summary.durationSeconds)),
        ]
        if let requests = summary.requests {
            var line = "\(ReportText.count(requests))"
            if let rate = summary.requestRate { line += " (\(ReportText.decimal(rate)) req/s)" }
            facts.append(("Requests", line))
        }
        if let retries = summary.retries { facts.append(("Retries", ReportText.count(retries))) }
        if let throttled = summary.throttled { facts.append(("429 responses", ReportText.count(throttled))) }
        if let tokens = summary.tokenRequests { facts.append(("Token requests", ReportText.count(tokens))) }
        if summary.reconciled > 0 {
            facts.append(("Reconciled", "\(ReportText.count(summary.reconciled)) found already applied"))
        }
        facts.append(("Tool", "bulk-update \(escape(summary.toolVersion))"))
        if let runDirectory = summary.runDirectory { facts.append(("Run directory", code(runDirectory))) }
        for (label, value) in facts { out += "| \(label) | \(value) |\n" }

        out += "\n## Outcomes\n\n| Status | Items | Share |\n|---|---:|---:|\n"
        for status in ReportStatus.allCases {
            let value = summary.counts[status]
            out += "| \(status.label) | \(ReportText.count(value)) | "
            out += "\(ReportText.percent(value, of: summary.counts.total)) |\n"
        }
        out += "| **total** | **\(ReportText.count(summary.counts.total))** | |\n"
        out += breakdown("By destination", summary.byDestination)
        out += breakdown("By entity type", summary.byEntityType)

        let problems = report.problems
        out += "\n## Problems\n\n"
        if problems.isEmpty {
            out += "None: no item failed or conflicted.\n"
        } else {
            out += "| Status | Id | Name | Version | HTTP | Message |\n|---|---|---|---|---:|---|\n"
            for row in problems {
                out += "| **\(row.status.label)** | \(code(row.id)) | \(escape(row.name ?? "")) | "
                out += "\(escape(row.versionText)) | \(row.httpStatus.map(String.init) ?? "") | "
                out += "\(escape(row.message ?? "")) |\n"
            }
        }

        if let verification = report.verification {
            out += "\n## Verification\n\n"
            if verification.isEmpty {
                out += "A list sweep after the last write found every applied config holding the plan.\n"
            } else {
                for finding in verification { out += "- \(escape(finding))\n" }
            }
        }

        if let changes = report.rateChanges, !changes.isEmpty {
            out += "\n## Rate changes\n\nSet with `bulk-update rethrottle` while the run went.\n\n"
            out += "| Time | From | To |\n|---|---|---|\n"
            for change in changes {
                out += "| \(ReportText.time(change.time)) | \(RateChange.label(change.previousRate)) | "
                out += "\(RateChange.label(change.rate)) |\n"
            }
        }

        out += "\n## Items\n\n"
        if report.rows.isEmpty {
            out += "The plan holds no items.\n"
        } else {
            out += "| Id | Name | Status | Version | Changed fields | Attempts | HTTP | Message |\n"
            out += "|---|---|---|---|---|---:|---:|---|\n"
            for row in report.rows {
                out += "| \(code(row.id)) | \(escape(row.name ?? "")) | \(row.status.label) | "
                out += "\(escape(row.versionText)) | \(row.changedFields.map(code).joined(separator: ", ")) | "
                out += "\(row.attempts) | \(row.httpStatus.map(String.init) ?? "") | \(escape(row.message ?? "")) |\n"
            }
        }
        return out
    }

    private static func breakdown(_ title: String, _ groups: [String: StatusCounts]) -> String {
        guard !groups.isEmpty else { return "" }
        var out = "\n### \(title)\n\n| | Items | Applied | Unchanged | Enabled | Conflict | Failed | Skipped | "
        out += "Not attempted |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        for key in groups.keys.sorted() {
            guard let counts = groups[key] else { continue }
            out += "| \(escape(key)) | \(counts.total) | \(counts.applied) | \(counts.unchanged) | \(counts.enabled) | "
            out += "\(counts.conflict) | \(counts.failed) | \(counts.skipped) | \(counts.notAttempted) |\n"
        }
        return out
    }

    /// Text in a table cell: Markdown punctuation backslash-escaped, line breaks as spaces.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "\\", "`", "*", "_", "[", "]", "<", ">", "|", "~":
                out += "\\"
                out.append(character)
            case "\r\n", "\n", "\r": out += " "
            default: out.append(character)
            }
        }
        return out
    }

    /// An inline code span that survives any content (backticks and pipes included).
    static func code(_ text: String) -> String {
        let clean = text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "|", with: "\\|")
        guard !clean.isEmpty else { return "" }
        var fence = "`"
        while clean.contains(fence) { fence += "`" }
        let pad = clean.hasPrefix("`") || clean.hasSuffix("`") ? " " : ""
        return fence + pad + clean + pad + fence
    }
}
