import Foundation

/// The sandbox's timestamp format: ISO-8601 in UTC with milliseconds, as m3ter writes them.
public enum SandboxTime {
    /// `2025-01-31T12:00:00.000Z`.
    public static func format(_ date: Date) -> String {
        date.formatted(style)
    }

    /// Parses an ISO-8601 timestamp with or without fractional seconds.
    public static func parse(_ text: String) -> Date? {
        if let date = try? style.parse(text) { return date }
        return try? Date.ISO8601FormatStyle(includingFractionalSeconds: false).parse(text)
    }

    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}
