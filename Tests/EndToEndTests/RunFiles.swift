import Foundation
import Sandbox
import TestSupport
import Testing

/// What a run left in its run directory, read the way a user's script would: as plain JSON and text.
enum RunFiles {
    /// The `report.json` of a run directory as a JSON object.
    static func report(_ runDir: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: runDir.appendingPathComponent("report.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Each item's `status` in a report (`report.json`, or the JSON printed by `bulk-update report`), by id.
    static func statuses(of report: [String: Any]) throws -> [String: String] {
        let rows = try #require(report["rows"] as? [[String: Any]])
        var statuses: [String: String] = [:]
        for row in rows {
            let id = try #require(row["id"] as? String)
            statuses[id] = try #require(row["status"] as? String)
        }
        return statuses
    }

    /// Each item's `status` in the run's `report.json`, by id.
    static func statuses(_ runDir: URL) throws -> [String: String] {
        try statuses(of: report(runDir))
    }

    /// The `verification` list of the run's `report.json` (`nil` when the run did not verify).
    static func verification(_ runDir: URL) throws -> [String]? {
        try report(runDir)["verification"] as? [String]
    }

    /// The ids of the journal's outcome records, in the order they were written.
    static func journalOutcomeIds(_ runDir: URL) throws -> [String] {
        let text = try String(contentsOf: runDir.appendingPathComponent("journal.jsonl"), encoding: .utf8)
        var ids: [String] = []
        for line in text.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            if object["type"] as? String == "outcome" { ids.append(try #require(object["id"] as? String)) }
        }
        return ids
    }

    /// The data rows of the run's `failed.csv` (none when the file is absent or holds only a header).
    static func failedRows(_ runDir: URL) throws -> [String] {
        let url = runDir.appendingPathComponent("failed.csv")
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        let lines = try String(contentsOf: url, encoding: .utf8).split(whereSeparator: \.isNewline).map(String.init)
        return Array(lines.dropFirst())
    }

    /// An id-row change list setting `integrationCredentialsId` of each config, in this order,
    /// with an optional `wave` per row.
    static func credentialChanges(
        _ ids: [String], to credentials: String, waves: [Int]? = nil, in dir: URL
    ) throws -> URL {
        var text = waves == nil ? "id,integrationCredentialsId\n" : "id,integrationCredentialsId,wave\n"
        for (index, id) in ids.enumerated() {
            text += "\(id),\(credentials)"
            if let waves { text += ",\(waves[index])" }
            text += "\n"
        }
        return try TestSupport.write(text, to: "changes.csv", in: dir)
    }

    /// A config the API refuses to update as it stands: its `entityType` breaks `^[a-zA-Z0-9_-]*$`
    /// (the sandbox stores inserted configs without validation), and every PUT resends it.
    static func unwritableConfig(_ id: String, credentials: String) -> SandboxConfig {
        SandboxConfig(
            id: id, version: 3, entityType: "Bill Run", destination: "Stripe",
            integrationCredentialsId: credentials, name: "legacy config with a bad entity type")
    }
}
