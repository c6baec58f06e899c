import Crypto
import Foundation

/// Recognises secret-looking `configData` keys and replaces their values by fingerprints.
///
/// A secret never leaves memory: plans, journals, reports and output carry a fingerprint
/// (`<redacted sha256:…>`, a 12-hex-digit prefix of SHA-256 over the value's canonical JSON) so
/// that two values can still be compared for drift without revealing either.
public enum Secrets {
    /// The words that make a key secret, matched case-insensitively after removing `_`, `-` and `.`.
    public static let markers = ["secret", "password", "token", "apikey", "privatekey", "credential"]

    /// The placeholder shown where a secret value would be.
    public static let placeholder = "<redacted>"

    private static let fingerprintPrefix = "<redacted sha256:"

    private static let markerBytes = markers.map { Array($0.utf8) }

    /// Whether a `configData` key names a secret.
    public static func isSecretKey(_ key: String) -> Bool {
        var folded: [UInt8] = []
        folded.reserveCapacity(key.utf8.count)
        for byte in key.utf8 {
            // Non-ASCII letters are folded by the full rules.
            if byte >= 0x80 { return isSecretKey(folding: key) }
            if byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") { continue }
            folded.append(byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte)
        }
        return containsMarker(folded)
    }

    private static func isSecretKey(folding key: String) -> Bool {
        containsMarker(
            key.lowercased().utf8.filter {
                $0 != UInt8(ascii: "_") && $0 != UInt8(ascii: "-") && $0 != UInt8(ascii: ".")
            })
    }

    private static func containsMarker(_ folded: [UInt8]) -> Bool {
        markerBytes.contains { marker in
            folded.count >= marker.count
                && (0...(folded.count - marker.count)).contains {
                    folded[$0..<($0 + marker.count)].elementsEqual(marker)
                }
        }
    }

    /// The fingerprint that stands for a secret value in every file and output.
    public static func fingerprint(_ value: JSONValue) -> JSONValue {
        var writer = JSONWriter()
        writer.value(value)
        let hex = Digests.hex(SHA256.hash(data: writer.bytes))
        return .string(fingerprintPrefix + hex.prefix(12) + ">")
    }

    /// What a secret value reads as: its fingerprint, or the value itself when it already is one
    /// (read back from a plan), so redacting twice changes nothing.
    static func redactedSecret(_ value: JSONValue) -> JSONValue {
        isFingerprint(value) ? value : fingerprint(value)
    }

    /// Whether a string is a fingerprint made by ``fingerprint(_:)``.
    public static func isFingerprint(_ value: JSONValue) -> Bool {
        guard case .string(let text) = value else { return false }
        return text.hasPrefix(fingerprintPrefix) && text.hasSuffix(">")
    }

    /// `configData` with every value under a secret key (at any depth) replaced by its fingerprint.
    ///
    /// `null` stays `null` (it is not a secret, and clearing a secret must stay visible), and a
    /// value that already is a fingerprint (read back from a plan) stays as it is.
    public static func redact(_ object: [String: JSONValue]) -> [String: JSONValue] {
        // Copied only when something is replaced: most objects hold no secret.
        var out = object
        for (key, value) in object {
            if isSecretKey(key), value != .null {
                out[key] = redactedSecret(value)
            } else if case .object(let inner) = value {
                let redacted = redact(inner)
                if redacted != inner { out[key] = .object(redacted) }
            }
        }
        return out
    }

    /// Whether any value under a secret key (at any depth) is present and not `null`.
    public static func containsSecret(_ object: [String: JSONValue]) -> Bool {
        object.contains { key, value in
            if isSecretKey(key), value != .null { return true }
            if case .object(let inner) = value { return containsSecret(inner) }
            return false
        }
    }

    /// Whether a value holds a fingerprint anywhere (itself, or at any depth of its arrays and
    /// objects): a value read back from a plan whose secrets it does not hold.
    package static func holdsFingerprint(_ value: JSONValue?) -> Bool {
        switch value {
        case .string?: value.map(isFingerprint) ?? false
        case .array(let elements)?: elements.contains { holdsFingerprint($0) }
        case .object(let members)?: members.values.contains { holdsFingerprint($0) }
        default: false
        }
    }
}

/// SHA-256 helpers (swift-crypto: Foundation on Linux has no digest API).
package enum Digests {
    /// Lower-case hex SHA-256 of `data`.
    package static func sha256Hex(_ data: Data) -> String {
        hex(SHA256.hash(data: data))
    }

    /// Lower-case hex of a digest.
    static func hex(_ digest: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        for byte in digest {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
