import Foundation

/// Number, duration and time formatting shared by the human renderings (locale-independent).
enum ReportText {
    /// `1,234`.
    static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out += "," }
            out.append(character)
        }
        return (value < 0 ? "-" : "") + out
    }

    /// `3.2`, one decimal.
    static func decimal(_ value: Double) -> String {
        guard value.isFinite else { return "–" }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }

    /// `850 ms`, `12.3 s`, `4 min 05 s`, `1 h 02 min`.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "–" }
        if seconds < 1 { return "\(Int((seconds * 1000).rounded())) ms" }
        if seconds < 60 { return "\(decimal(seconds)) s" }
        let whole = Int(seconds.rounded())
        if whole < 3600 { return "\(whole / 60) min \(pad(whole % 60)) s" }
        return "\(whole / 3600) h \(pad(whole / 60 % 60)) min"
    }

    /// `2026-11-29 01:02:03 UTC`.
    static func time(_ date: Date) -> String {
        let iso = JournalTime.format(date)
        return String(iso.prefix(10)) + " " + String(iso.dropFirst(11).prefix(8)) + " UTC"
    }

    /// A percentage of `total`, `–` when empty.
    static func percent(_ part: Int, of total: Int) -> String {
        total == 0 ? "–" : "\(Int((Double(part) * 100 / Double(total)).rounded())) %"
    }

    private static func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
