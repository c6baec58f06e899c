import Foundation

/// Reads an HTTP date (RFC 9110 §5.6.7), as `Retry-After` may carry one.
///
/// Senders must use the IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`); recipients must also accept
/// the obsolete RFC 850 form (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime's
/// (`Sun Nov  6 08:49:37 1994`). Pure arithmetic on the fields: no formatter, locale or time zone.
enum HTTPDate {
    /// The instant `text` names, or nil when it is none of the three forms.
    ///
    /// - Parameter now: resolves the RFC 850 form's two-digit year: the year with those last two
    ///   digits nearest to now, never more than 50 years ahead (RFC 9110 §5.6.7).
    static func parse(_ text: String, now: Date) -> Date? {
        let tokens = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let first = tokens.first else { return nil }
        let fields: Fields?
        if first.hasSuffix(",") {
            let name = String(first.dropLast())
            switch tokens.count {
            case 6 where shortDays.contains(name) && tokens[5] == "GMT":
                // IMF-fixdate: day-name "," SP day SP month SP year SP time-of-day SP "GMT"
                fields = Fields(day: tokens[1], month: tokens[2], year: tokens[3], time: tokens[4], now: nil)
            case 4 where longDays.contains(name) && tokens[3] == "GMT":
                // rfc850-date: day-name-l "," SP day "-" month "-" 2DIGIT SP time-of-day SP "GMT"
                let parts = tokens[1].split(separator: "-", omittingEmptySubsequences: false).map(String.init)
                guard parts.count == 3, parts[2].count == 2 else { return nil }
                fields = Fields(day: parts[0], month: parts[1], year: parts[2], time: tokens[2], now: now)
            default:
                fields = nil
            }
        } else if tokens.count == 5, shortDays.contains(first) {
            // asctime-date: day-name SP month SP ( 2DIGIT / ( SP DIGIT ) ) SP time-of-day SP year
            fields = Fields(day: tokens[2], month: tokens[1], year: tokens[4], time: tokens[3], now: nil)
        } else {
            fields = nil
        }
        return fields?.date
    }

    private static let shortDays: Set<String> = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    private static let longDays: Set<String> = [
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
    ]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// The textual fields of a date, checked and turned into an instant.
    private struct Fields {
        var day: String
        var month: String
        var year: String
        var time: String
        /// Set for a two-digit year, which is resolved relative to it.
        var now: Date?

        var date: Date? {
            guard let monthIndex = HTTPDate.months.firstIndex(of: month),
                let day = HTTPDate.number(day, digits: 1...2),
                let year = resolvedYear
            else { return nil }
            let clock = time.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard clock.count == 3, let hour = HTTPDate.number(clock[0], digits: 2...2),
                let minute = HTTPDate.number(clock[1], digits: 2...2),
                let second = HTTPDate.number(clock[2], digits: 2...2),
                hour < 24, minute < 60, second <= 60,
                (1...HTTPDate.daysIn(month: monthIndex + 1, year: year)).contains(day)
            else { return nil }
            let days = HTTPDate.daysSinceEpoch(year: year, month: monthIndex + 1, day: day)
            let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second
            return Date(timeIntervalSince1970: TimeInterval(seconds))
        }

        private var resolvedYear: Int? {
            guard let now else { return HTTPDate.number(year, digits: 4...4) }
            guard let twoDigits = HTTPDate.number(year, digits: 2...2) else { return nil }
            let current = HTTPDate.year(of: now)
            var resolved = current - current % 100 + twoDigits
            if resolved > current + 50 { resolved -= 100 }
            if resolved <= current - 50 { resolved += 100 }
            return resolved
        }
    }

    /// `text` as a decimal number of `digits` ASCII digits.
    private static func number(_ text: String, digits: ClosedRange<Int>) -> Int? {
        guard digits.contains(text.utf8.count), text.utf8.allSatisfy({ (48...57).contains($0) }) else { return nil }
        return Int(text)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to the proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    private static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The UTC year of `date` (H. Hinnant's `civil_from_days`, year only).
    private static func year(of date: Date) -> Int {
        let days = Int((date.timeIntervalSince1970 / 86_400).rounded(.down)) + 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        return yearOfEra + era * 400 + (shiftedMonth >= 10 ? 1 : 0)
    }
}
