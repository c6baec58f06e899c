import Foundation

/// The journal's timestamps: ISO 8601 in UTC with milliseconds (`2026-11-29T01:02:03.456Z`).
///
/// Hand-written both ways because a journal replay parses a million of them: `DateFormatter`
/// costs microseconds per call, this costs nanoseconds. Anything else ISO 8601 falls back to
/// Foundation's parser.
public enum JournalTime {
    /// Formats `date` as `YYYY-MM-DDTHH:MM:SS.mmmZ` (rounded to the millisecond).
    public static func format(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var days = millis >= 0 ? millis / 86_400_000 : (millis - 86_399_999) / 86_400_000
        let msOfDay = millis - days * 86_400_000
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        // "YYYY-MM-DDTHH:MM:SS.mmmZ", filled in place.
        var out: [UInt8] = Array("0000-00-00T00:00:00.000Z".utf8)
        func put(_ value: Int64, at end: Int, width: Int) {
            var rest = value
            for index in stride(from: end, to: end - width, by: -1) {
                out[index] = UInt8(0x30 + rest % 10)
                rest /= 10
            }
        }
        put(year, at: 3, width: 4)
        put(month, at: 6, width: 2)
        put(day, at: 9, width: 2)
        put(msOfDay / 3_600_000, at: 12, width: 2)
        put(msOfDay / 60_000 % 60, at: 15, width: 2)
        put(msOfDay / 1000 % 60, at: 18, width: 2)
        put(msOfDay % 1000, at: 22, width: 3)
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses an ISO 8601 timestamp; `nil` when it is not one.
    public static func parse(_ text: String) -> Date? {
        var text = text
        if let date = text.withUTF8({ parse(UnsafeRawBufferPointer($0)) }) { return date }
        return slowParse(text)
    }

    /// The fast path over raw bytes: `YYYY-MM-DDTHH:MM:SS[.fraction]Z`.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> Date? {
        let count = bytes.count
        guard count >= 20, bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x54, bytes[13] == 0x3A,
            bytes[16] == 0x3A, bytes[count - 1] == 0x5A
        else { return nil }
        func number(_ start: Int, _ width: Int) -> Int64? {
            var value: Int64 = 0
            for index in start..<(start + width) {
                let digit = Int64(bytes[index]) - 0x30
                guard digit >= 0, digit <= 9 else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
            let minute = number(14, 2), let second = number(17, 2), (1...12).contains(month), (1...31).contains(day),
            hour < 24, minute < 60, second < 61
        else { return nil }
        var fraction: Int64 = 0
        var digits = 0
        if count > 20 {
            guard bytes[19] == 0x2E, count > 21, count - 21 <= 9 else { return nil }
            guard let value = number(20, count - 21) else { return nil }
            fraction = value
            digits = count - 21
        }
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second
        if digits <= 3 {
            var millis = fraction
            for _ in digits..<3 { millis *= 10 }
            return Date(timeIntervalSince1970: Double(seconds * 1000 + millis) / 1000)
        }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        return Date(timeIntervalSince1970: Double(seconds) + Double(fraction) / scale)
    }

    private static func slowParse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
