/// JSON Merge Patch (RFC 7386).
package enum MergePatch {
    /// Applies `patch` to `target` exactly as RFC 7386 section 2 defines `MergePatch(Target, Patch)`.
    ///
    /// `target == nil` stands for an absent value.
    package static func apply(_ patch: JSONValue, to target: JSONValue?) -> JSONValue {
        guard case .object(let members) = patch else { return patch }
        var result = target?.objectValue ?? [:]
        for (key, value) in members {
            if value == .null {
                result.removeValue(forKey: key)
            } else {
                result[key] = apply(value, to: result[key])
            }
        }
        return .object(result)
    }
}
