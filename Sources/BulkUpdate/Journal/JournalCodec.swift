import Foundation

/// Encodes and decodes journal lines.
///
/// Outcome records have a fixed, flat shape, so both directions are hand-written over bytes:
/// replaying a million records must take well under two seconds, which one `JSONDecoder` per line
/// cannot do. Any line the fast path does not understand (escapes in keys, nested values, floats)
/// goes through `JSONDecoder`, so the reader accepts every valid JSON encoding of a record.
enum JournalCodec {
    /// One decoded line.
    enum Line: Equatable {
        case header(JournalHeader)
        case outcome(ItemOutcome)
        case rateChange(RateChange)
    }

    /// Why a line could not be decoded.
    struct DecodeFailure: Error {
        var reason: String
    }

    // MARK: Encoding

    /// The outcome as one JSON line, newline included.
    static func encode(_ outcome: ItemOutcome) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(160 + (outcome.message?.utf8.count ?? 0))
        out.append(contentsOf: #"{"type":"outcome","id":"#.utf8)
        appendString(outcome.id, to: &out)
        out.append(contentsOf: #","status":"#.utf8)
        appendString(outcome.status.rawValue, to: &out)
        appendMember("versionBefore", outcome.versionBefore, to: &out)
        appendMember("versionAfter", outcome.versionAfter, to: &out)
        out.append(contentsOf: #","attempts":"#.utf8)
        out.append(contentsOf: String(outcome.attempts).utf8)
        appendMember("httpStatus", outcome.httpStatus.map(Int64.init), to: &out)
        out.append(contentsOf: #","message":"#.utf8)
        if let message = outcome.message {
            appendString(message, to: &out)
        } else {
            out.append(contentsOf: "null".utf8)
        }
        out.append(contentsOf: #","reconciled":"#.utf8)
        out.append(contentsOf: (outcome.reconciled ? "true" : "false").utf8)
        out.append(contentsOf: #","time":"#.utf8)
        appendString(JournalTime.format(outcome.time), to: &out)
        out.append(contentsOf: "}\n".utf8)
        return out
    }

    /// The header as one JSON line, newline included.
    static func encode(_ header: JournalHeader) -> [UInt8] {
        var out = [UInt8]()
        out.append(contentsOf: #"{"type":"#.utf8)
        appendString(header.kind.rawValue, to: &out)
        out.append(contentsOf: #","formatVersion":"#.utf8)
        out.append(contentsOf: String(header.formatVersion).utf8)
        out.append(contentsOf: #","planFingerprint":"#.utf8)
        appendString(header.planFingerprint, to: &out)
        out.append(contentsOf: #","toolVersion":"#.utf8)
        appendString(header.toolVersion, to: &out)
        out.append(contentsOf: #","startedAt":"#.utf8)
        appendString(JournalTime.format(header.startedAt), to: &out)
        if !header.options.isEmpty {
            out.append(contentsOf: #","options":{"#.utf8)
            for (index, key) in header.options.keys.sorted().enumerated() {
                if index > 0 { out.append(0x2C) }
                appendString(key, to: &out)
                out.append(0x3A)
                appendString(header.options[key] ?? "", to: &out)
            }
            out.append(0x7D)
        }
        if let approver = header.approver {
            out.append(contentsOf: #","approvedBy":{"keyFingerprint":"#.utf8)
            appendString(approver.keyFingerprint, to: &out)
            out.append(contentsOf: #","principal":"#.utf8)
            appendString(approver.principal, to: &out)
            out.append(0x7D)
        }
        out.append(contentsOf: "}\n".utf8)
        return out
    }

    /// The rate change as one JSON line, newline included.
    static func encode(_ change: RateChange) -> [UInt8] {
        var out = [UInt8]()
        out.append(contentsOf: #"{"type":"rate","previousRate":"#.utf8)
        out.append(contentsOf: RateChange.number(change.previousRate).utf8)
        out.append(contentsOf: #","rate":"#.utf8)
        out.append(contentsOf: RateChange.number(change.rate).utf8)
        if let request = change.request {
            out.append(contentsOf: #","request":"#.utf8)
            appendString(request, to: &out)
        }
        out.append(contentsOf: #","time":"#.utf8)
        appendString(JournalTime.format(change.time), to: &out)
        out.append(contentsOf: "}\n".utf8)
        return out
    }

    private static func appendMember(_ key: String, _ value: Int64?, to out: inout [UInt8]) {
        out.append(contentsOf: ",\"\(key)\":".utf8)
        if let value { out.append(contentsOf: String(value).utf8) } else { out.append(contentsOf: "null".utf8) }
    }

    /// Appends `text` as a JSON string literal.
    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(0x22)
        for byte in text.utf8 {
            switch byte {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: out.append(contentsOf: [0x5C, 0x72])
            case 0x09: out.append(contentsOf: [0x5C, 0x74])
            case ..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
            default: out.append(byte)
            }
        }
        out.append(0x22)
    }

    // MARK: Decoding

    /// Decodes one line (without its newline).
    static func decode(_ bytes: UnsafeRawBufferPointer) throws(DecodeFailure) -> Line {
        var parser = FlatRecordParser(bytes: bytes)
        if let outcome = parser.parseOutcome() { return .outcome(outcome) }
        return try slowDecode(Data(bytes))
    }

    private struct Envelope: Decodable {
        var type: String
    }

    private static func slowDecode(_ data: Data) throws(DecodeFailure) -> Line {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = JournalTime.decodingStrategy
        let type: String
        do {
            type = try decoder.decode(Envelope.self, from: data).type
        } catch {
            throw DecodeFailure(reason: "not a JSON object with a \"type\"")
        }
        do {
            switch type {
            case "outcome": return .outcome(try decoder.decode(ItemOutcome.self, from: data))
            case "header", "resume": return .header(try decoder.decode(JournalHeader.self, from: data))
            case "rate": return .rateChange(try decoder.decode(RateChange.self, from: data))
            default: throw DecodeFailure(reason: "unknown record type '\(type)'")
            }
        } catch let failure as DecodeFailure {
            throw failure
        } catch {
            throw DecodeFailure(reason: "invalid \(type) record: \(describe(error))")
        }
    }

    private static func describe(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, _): "missing '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            context.codingPath.isEmpty
                ? context.debugDescription
                : "bad '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        default: "\(error)"
        }
    }
}
