import Foundation

/// `report.json`: the ``Report`` model itself, keys sorted, times ISO 8601 UTC with milliseconds.
///
/// The schema is documented in `docs/FORMATS.md`; `formatVersion` changes when it does.
public enum ReportJSON {
    /// The encoder `report.json` is written with.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(JournalTime.format(date))
        }
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return encoder
    }

    /// The decoder that reads `report.json` back.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = JournalTime.parse(text) else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath, debugDescription: "not an ISO 8601 time: \(text)"))
            }
            return date
        }
        return decoder
    }

    /// Renders the report (UTF-8 JSON, newline-terminated).
    public static func render(_ report: Report) -> Data {
        // Every member is a plain value type with a finite number or a string: encoding cannot fail.
        var data = (try? encoder().encode(report)) ?? Data("{}".utf8)
        data.append(0x0A)
        return data
    }
}
