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

    /// Whether a `configData` key names a secret.
    public static func isSecretKey(_ key: String) -> Bool {
        // Hot path (every configData key of every config in a plan): fold ASCII bytes in a stack
        // buffer; keys with non-ASCII letters take the general path.
        let count = key.utf8.count
        guard count >= 5 else { return false }
        if count > 256 { return isSecretKeySlow(key) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: count) { buffer in
            var length = 0
            for byte in key.utf8 {
                if byte >= 0x80 { return isSecretKeySlow(key) }
                if byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") { continue }
                buffer[length] = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
                length += 1
            }
            let folded = UnsafeBufferPointer(rebasing: buffer[0..<length])
            return markerBytes.contains { marker in
                guard marker.count <= length else { return false }
                for start in 0...(length - marker.count) where folded[start] == marker[0] {
                    if folded[start..<start + marker.count].elementsEqual(marker) { return true }
                }
                return false
            }
        }
    }

    private static let markerBytes = markers.map { Array($0.utf8) }

    private static func isSecretKeySlow(_ key: String) -> Bool {
        let folded = key.lowercased().filter { $0 != "_" && $0 != "-" && $0 != "." }
        return markers.contains { folded.contains($0) }
    }

    /// The fingerprint that stands for a secret value in every file and output.
    public static func fingerprint(_ value: JSONValue) -> JSONValue {
        // Hot path (every secret of every config a plan touches): hash the canonical bytes as
        // JSONWriter writes them (the same text as `canonicalText`) and hex only the 6 bytes shown.
        var writer = JSONWriter(capacity: 64)
        writer.value(value)
        let digest = writer.withBytes { SHA256.hash(data: $0) }
        let length = fingerprintPrefix.count + 13
        // (The digest's bytes read in place: iterating it as a sequence made an array of them.)
        let text = digest.withUnsafeBytes { digestBytes in
            String(unsafeUninitializedCapacity: length) { out in
                var index = 0
                for byte in fingerprintPrefix {
                    out[index] = byte
                    index += 1
                }
                for byte in digestBytes.prefix(6) {
                    out[index] = hexDigits[Int(byte >> 4)]
                    out[index + 1] = hexDigits[Int(byte & 0x0F)]
                    index += 2
                }
                out[index] = UInt8(ascii: ">")
                return index + 1
            }
        }
        return .string(text)
    }

    /// What a secret value reads as: its fingerprint, or the value itself when it already is one
    /// (read back from a plan), so redacting twice changes nothing.
    static func redactedSecret(_ value: JSONValue) -> JSONValue {
        isFingerprint(value) ? value : fingerprint(value)
    }

    private static let fingerprintPrefix = Array("<redacted sha256:".utf8)
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Whether a string is a fingerprint made by ``fingerprint(_:)``.
    public static func isFingerprint(_ value: JSONValue) -> Bool {
        guard case .string(let text) = value else { return false }
        return text.hasPrefix("<redacted sha256:") && text.hasSuffix(">")
    }

    /// `configData` with every value under a secret key (at any depth) replaced by its fingerprint.
    ///
    /// `null` stays `null`: it is not a secret, and clearing a secret must stay visible.
    public static func redact(_ object: [String: JSONValue]) -> [String: JSONValue] {
        redactedCopy(object) ?? object
    }

    /// ``redact(_:)`` of `object`, reusing `redacted` (the redaction of `original`) for every
    /// top-level member that `object` holds unchanged from `original`: a secret a change leaves
    /// alone is fingerprinted once, not once per state.
    public static func redact(
        _ object: [String: JSONValue], unchangedFrom original: [String: JSONValue], redacted: [String: JSONValue]
    ) -> [String: JSONValue] {
        redactedCopy(object, reusing: (original, redacted)) ?? object
    }

    /// The redacted object, or `nil` when nothing in it needs redacting (so callers can keep
    /// sharing the original storage: a million configs without secrets cost no copies).
    ///
    /// `reusing`: an original object and its redaction, whose redacted member is taken for every
    /// top-level member `object` holds unchanged.
    private static func redactedCopy(
        _ object: [String: JSONValue],
        reusing previous: (original: [String: JSONValue], redacted: [String: JSONValue])? = nil
    ) -> [String: JSONValue]? {
        var out: [String: JSONValue]?
        for (key, value) in object {
            let replacement: JSONValue?
            if let previous, let old = previous.original[key], old == value {
                let reused = previous.redacted[key] ?? value
                replacement = reused == value ? nil : reused
            } else if isSecretKey(key), value != .null {
                // Idempotent: a value that already is a fingerprint (read back from a plan) stays as it is.
                replacement = isFingerprint(value) ? nil : fingerprint(value)
            } else if case .object(let inner) = value {
                replacement = redactedCopy(inner).map(JSONValue.object)
            } else {
                replacement = nil
            }
            if let replacement {
                if out == nil { out = object }
                out?[key] = replacement
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
}

/// SHA-256 helpers (swift-crypto: Foundation on Linux has no digest API).
public enum Digests {
    /// Lower-case hex SHA-256 of `data`.
    public static func sha256Hex(_ data: Data) -> String {
        hex(SHA256.hash(data: data))
    }

    /// Lower-case hex SHA-256 of raw bytes (a mapped file, a buffer).
    public static func sha256Hex(_ bytes: UnsafeRawBufferPointer) -> String {
        hex(SHA256.hash(data: bytes))
    }

    /// Lower-case hex of a digest.
    static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
