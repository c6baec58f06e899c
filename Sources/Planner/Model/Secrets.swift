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

    /// Whether a `configData` key names a secret.
    public static func isSecretKey(_ key: String) -> Bool {
        let folded = key.lowercased().filter { $0 != "_" && $0 != "-" && $0 != "." }
        return markers.contains { folded.contains($0) }
    }

    /// The fingerprint that stands for a secret value in every file and output.
    public static func fingerprint(_ value: JSONValue) -> JSONValue {
        var writer = JSONWriter()
        writer.value(value)
        let hex = Digests.hex(SHA256.hash(data: writer.bytes))
        return .string(fingerprintPrefix + hex.prefix(12) + ">")
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
        object.mapValuesAndKeys { key, value in
            if isSecretKey(key), value != .null { return isFingerprint(value) ? value : fingerprint(value) }
            if case .object(let inner) = value { return .object(redact(inner)) }
            return value
        }
    }

    /// Whether any value under a secret key (at any depth) is present and not `null`.
    public static func containsSecret(_ object: [String: JSONValue]) -> Bool {
        object.contains { key, value in
            if isSecretKey(key), value != .null { return true }
            if case .object(let inner) = value { return containsSecret(inner) }
            return false
        }
    }

    /// Whether any value (at any depth of objects) is a fingerprint.
    static func containsFingerprint(_ object: [String: JSONValue]) -> Bool {
        object.values.contains { value in
            if isFingerprint(value) { return true }
            if case .object(let inner) = value { return containsFingerprint(inner) }
            return false
        }
    }
}

extension Dictionary where Key == String {
    /// The dictionary with each value replaced by `transform(key, value)`.
    fileprivate func mapValuesAndKeys(_ transform: (String, Value) -> Value) -> [String: Value] {
        var out = self
        for (key, value) in self { out[key] = transform(key, value) }
        return out
    }
}

/// SHA-256 helpers (swift-crypto: Foundation on Linux has no digest API).
public enum Digests {
    /// Lower-case hex SHA-256 of `data`.
    public static func sha256Hex(_ data: Data) -> String {
        hex(SHA256.hash(data: data))
    }

    /// Lower-case hex of a digest.
    static func hex(_ digest: some Sequence<UInt8>) -> String {
        digest.map { byte in
            let text = String(byte, radix: 16)
            return byte < 0x10 ? "0" + text : text
        }.joined()
    }
}
