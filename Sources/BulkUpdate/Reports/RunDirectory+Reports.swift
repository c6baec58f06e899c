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

    /// Writes `undo.csv` (mode 0600).
    public func writeUndoList(_ list: UndoList) throws {
        try writeFile(named: FileName.undo, contents: Data(list.csv.utf8))
    }

    /// Writes `failed.csv` (mode 0600).
    public func writeFailedList(_ list: FailedList) throws {
        try writeFile(named: FileName.failed, contents: Data(list.csv.utf8))
    }
}
