import Foundation

/// `report.csv`: one RFC 4180 row per plan item, for a spreadsheet.
///
/// The run's approver (principal and key fingerprint) is repeated on every row, so a row copied
/// elsewhere still says who approved the change; both cells are empty for an unapproved run.
public enum ReportCSV {
    /// The header row.
    public static let columns = [
        "id", "name", "status", "planned", "entityType", "destination", "wave", "versionBefore", "versionAfter",
        "changedFields", "attempts", "httpStatus", "reconciled", "time", "message", "approvedBy", "approvalKey",
    ]

    /// Renders the rows (changed fields joined with `;`).
    public static func render(_ report: Report) -> String {
        let approvedBy = report.summary.approvedBy?.principal ?? ""
        let approvalKey = report.summary.approvedBy?.keyFingerprint ?? ""
        return CSVWriter.document(
            header: columns,
            rows: report.rows.map { row in
                [
                    row.id, row.name ?? "", row.status.rawValue, row.planned.rawValue, row.entityType,
                    row.destination, String(row.wave), row.versionBefore.map(String.init) ?? "",
                    row.versionAfter.map(String.init) ?? "", row.changedFields.joined(separator: ";"),
                    String(row.attempts), row.httpStatus.map(String.init) ?? "", row.reconciled ? "true" : "false",
                    row.time.map(JournalTime.format) ?? "", row.message ?? "", approvedBy, approvalKey,
                ]
            })
    }
}
