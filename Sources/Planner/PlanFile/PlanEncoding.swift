import Crypto
import Foundation

/// The canonical JSON encoding of plan items: compact, keys sorted, secrets as fingerprints.
///
/// The plan file's items are written in exactly this encoding, one per line, and the plan's
/// fingerprint is the SHA-256 over them (each followed by a line feed). It is the same JSON a
/// `JSONEncoder` with sorted keys would write for ``PlanItem``'s `Codable` form, produced without
/// the encoder's overhead (a million items encode in about a second).
public enum PlanEncoding {
    /// The canonical text of one item.
    public static func canonicalText(of item: PlanItem) -> String {
        var out = ""
        append(item, to: &out)
        return out
    }

    /// The plan fingerprint: lower-case hex SHA-256 over the items' canonical encodings.
    public static func fingerprint(of items: [PlanItem]) -> String {
        var hasher = SHA256()
        var buffer = ""
        buffer.reserveCapacity(1 << 20)
        for item in items {
            append(item, to: &buffer)
            buffer += "\n"
            if buffer.utf8.count >= 1 << 20 { flush(&buffer, into: &hasher) }
        }
        flush(&buffer, into: &hasher)
        return Digests.hex(hasher.finalize())
    }

    private static func flush(_ buffer: inout String, into hasher: inout SHA256) {
        buffer.withUTF8 { hasher.update(data: UnsafeRawBufferPointer($0)) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Whether two changes are recorded identically in a plan (secrets compared by fingerprint).
    static func sameRecordedChange(_ a: ConfigChange, _ b: ConfigChange) -> Bool {
        var left = ""
        var right = ""
        append(a, to: &left)
        append(b, to: &right)
        return left == right
    }

    static func append(_ item: PlanItem, to out: inout String) {
        out += "{\"after\":"
        JSONValue.write(.object(item.after), into: &out)
        out += ",\"before\":"
        JSONValue.write(.object(item.before), into: &out)
        out += ",\"change\":"
        append(item.change, to: &out)
        out += ",\"destination\":"
        JSONValue.writeString(item.destination, into: &out)
        out += ",\"diff\":["
        for (index, change) in item.diff.enumerated() {
            if index > 0 { out += "," }
            out += "{"
            if let after = change.after {
                out += "\"after\":"
                JSONValue.write(after, into: &out)
                out += ","
            }
            if let before = change.before {
                out += "\"before\":"
                JSONValue.write(before, into: &out)
                out += ","
            }
            out += "\"path\":["
            for (position, key) in change.path.enumerated() {
                if position > 0 { out += "," }
                JSONValue.writeString(key, into: &out)
            }
            out += "],\"secret\":"
            out += change.secret ? "true}" : "false}"
        }
        out += "],\"enable\":"
        out += item.enable ? "true" : "false"
        out += ",\"entityType\":"
        JSONValue.writeString(item.entityType, into: &out)
        if let expected = item.expectedVersion {
            out += ",\"expectedVersion\":"
            out += String(expected)
        }
        out += ",\"id\":"
        JSONValue.writeString(item.id, into: &out)
        out += ",\"inputLines\":["
        for (index, line) in item.inputLines.enumerated() {
            if index > 0 { out += "," }
            out += String(line)
        }
        out += "]"
        if let name = item.name {
            out += ",\"name\":"
            JSONValue.writeString(name, into: &out)
        }
        out += ",\"status\":\""
        out += item.status.rawValue
        out += "\",\"versionRead\":"
        out += String(item.versionRead)
        out += ",\"wave\":"
        out += String(item.wave)
        out += "}"
    }

    static func append(_ change: ConfigChange, to out: inout String) {
        out += "{"
        if let patch = change.configDataPatch {
            out += "\"configDataPatch\":"
            JSONValue.write(patch.objectValue.map { .object(Secrets.redact($0)) } ?? patch, into: &out)
            out += ","
        }
        out += "\"enable\":"
        out += change.enable ? "true" : "false"
        out += ",\"fields\":{"
        for (index, field) in change.fields.keys.sorted(by: { $0.rawValue < $1.rawValue }).enumerated() {
            if index > 0 { out += "," }
            JSONValue.writeString(field.rawValue, into: &out)
            out += ":"
            switch change.fields[field] {
            case .set(let text)?: JSONValue.writeString(text, into: &out)
            default: out += "null"
            }
        }
        out += "}}"
    }
}
