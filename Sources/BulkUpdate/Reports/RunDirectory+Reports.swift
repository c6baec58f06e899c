import Foundation

extension RunDirectory {
    /// Writes `report.md`, `report.json`, `report.csv` and `report.html` (each atomically, mode 0600).
    ///
    /// - Throws: ``RunDirectoryError/fileSystem(path:reason:)``.
    public func writeReports(_ report: Report) throws {
        for format in ReportFormat.allCases {
            try writeFile(named: format.fileName, contents: format.render(report))
        }
    }

    /// The report of this run for `bulk-update report RUN_DIR`.
    ///
    /// `report.json` is used when it is there and no journal record is newer than it (it holds the
    /// request figures, which the journal does not); otherwise the report is rebuilt from the
    /// journal and the plan, without request figures (for example after a `kill -9`).
    ///
    /// - Throws: ``JournalError`` when the journal is damaged.
    public func loadReport(toolVersion: String) throws -> Report {
        let contents: JournalContents
        if FileManager.default.fileExists(atPath: journalURL.path) {
            contents = try JournalReader.read(journalURL, expectedFingerprint: plan.fingerprint)
        } else {
            contents = JournalContents(headers: [], outcomes: [], lastOutcomeById: [:], tornTail: false, validLength: 0)
        }
        if let data = try? Data(contentsOf: reportURL(.json)),
            let saved = try? ReportJSON.decoder().decode(Report.self, from: data),
            saved.summary.planFingerprint == plan.fingerprint,
            contents.outcomes.allSatisfy({ $0.time <= saved.summary.endedAt })
        {
            return saved
        }
        let planWritten =
            (try? FileManager.default.attributesOfItem(atPath: planURL.path)[.modificationDate]) as? Date
        let startedAt = contents.headers.first?.startedAt ?? planWritten ?? Date(timeIntervalSince1970: 0)
        return Report.build(
            plan: plan, outcomes: contents.outcomes, stats: nil,
            meta: ReportMeta(
                toolVersion: toolVersion, runDirectory: url.path, startedAt: startedAt,
                approver: contents.headers.lazy.compactMap(\.approver).first),
            rateChanges: contents.rateChanges)
    }

    /// Writes `undo.csv` (mode 0600).
    public func writeUndoList(_ list: UndoList) throws {
        try writeFile(named: FileName.undo, contents: Data(list.csv.utf8))
    }

    /// Writes `failed.csv` (mode 0600).
    public func writeFailedList(_ list: FailedList) throws {
        try writeFile(named: FileName.failed, contents: Data(list.csv.utf8))
    }
}
