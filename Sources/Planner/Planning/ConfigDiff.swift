/// The field-level difference between a config and its planned state, redacted.
enum ConfigDiff {
    /// Every writable field that differs, with `configData` compared down to its leaves.
    ///
    /// A value under a secret key is compared as it is and recorded as its fingerprint, the change
    /// marked `secret`; other recorded values have their secrets fingerprinted. An absent
    /// `configData` equals `{}` (a PUT sends `{}` for it), and a `null` leaf counts as absent.
    static func diff(from before: IntegrationConfig, to after: IntegrationConfig) -> [FieldChange] {
        var out: [FieldChange] = []
        for field in ConfigField.allCases where field != .configData {
            let old = before.value(of: field)
            let new = after.value(of: field)
            if old != new { out.append(FieldChange(path: [field.rawValue], before: old, after: new, secret: false)) }
        }
        let old = before.configData ?? [:]
        let new = after.configData ?? [:]
        if old != new { compare(old, new, path: ["configData"], into: &out) }
        return out
    }

    private static func compare(
        _ old: [String: JSONValue], _ new: [String: JSONValue], path: [String], into out: inout [FieldChange]
    ) {
        var keys = Array(old.keys)
        for key in new.keys where old[key] == nil { keys.append(key) }
        keys.sort()
        for key in keys {
            let a = old[key].flatMap { $0 == .null ? nil : $0 }
            let b = new[key].flatMap { $0 == .null ? nil : $0 }
            guard a != b else { continue }
            let keyPath = path + [key]
            if Secrets.isSecretKey(key) {
                out.append(
                    FieldChange(
                        path: keyPath, before: a.map(Secrets.redactedSecret), after: b.map(Secrets.redactedSecret),
                        secret: true))
            } else if case .object(let innerA)? = a, case .object(let innerB)? = b {
                compare(innerA, innerB, path: keyPath, into: &out)
            } else {
                out.append(FieldChange(path: keyPath, before: a.map(redacted), after: b.map(redacted), secret: false))
            }
        }
    }

    /// A value as plans show it: the secrets inside an object fingerprinted.
    private static func redacted(_ value: JSONValue) -> JSONValue {
        guard case .object(let members) = value else { return value }
        return .object(Secrets.redact(members))
    }
}
