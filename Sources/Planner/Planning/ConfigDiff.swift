/// The field-level difference between a config and its planned state, redacted.
public enum ConfigDiff {
    /// Every writable field that differs, with `configData` compared down to its leaves.
    ///
    /// Secret values are compared by fingerprint and the change is marked `secret`. An absent
    /// `configData` equals `{}` (a PUT sends `{}` for it), and a `null` leaf counts as absent.
    public static func diff(from before: IntegrationConfig, to after: IntegrationConfig) -> [FieldChange] {
        var out: [FieldChange] = []
        for field in ConfigField.allCases where field != .configData {
            let old = before.value(of: field)
            let new = after.value(of: field)
            if old != new { out.append(FieldChange(path: [field.rawValue], before: old, after: new, secret: false)) }
        }
        let old = before.configData ?? [:]
        let new = after.configData ?? [:]
        if old != new {
            compare(Secrets.redact(old), Secrets.redact(new), path: ["configData"], secret: false, into: &out)
        }
        return out
    }

    private static func compare(
        _ old: [String: JSONValue], _ new: [String: JSONValue], path: [String], secret: Bool,
        into out: inout [FieldChange]
    ) {
        var keys = Array(old.keys)
        for key in new.keys where old[key] == nil { keys.append(key) }
        keys.sort()
        for key in keys {
            let a = old[key].flatMap { $0 == .null ? nil : $0 }
            let b = new[key].flatMap { $0 == .null ? nil : $0 }
            guard a != b else { continue }
            let isSecret = secret || Secrets.isSecretKey(key)
            var keyPath = path
            keyPath.append(key)
            if case .object(let innerA)? = a, case .object(let innerB)? = b {
                compare(innerA, innerB, path: keyPath, secret: isSecret, into: &out)
            } else {
                out.append(FieldChange(path: keyPath, before: a, after: b, secret: isSecret))
            }
        }
    }
}
