import Foundation

/// The renderings of a ``Report``.
public enum ReportFormat: String, Sendable, Hashable, Codable, CaseIterable {
    case markdown, json, csv, html

    /// The file name in a run directory.
    public var fileName: String {
        switch self {
        case .markdown: "report.md"
        case .json: "report.json"
        case .csv: "report.csv"
        case .html: "report.html"
        }
    }

    /// Renders `report` in this format (UTF-8).
    public func render(_ report: Report) -> Data {
        switch self {
        case .markdown: Data(ReportMarkdown.render(report).utf8)
        case .json: ReportJSON.render(report)
        case .csv: Data(ReportCSV.render(report).utf8)
        case .html: Data(ReportHTML.render(report).utf8)
        }
    }
}
