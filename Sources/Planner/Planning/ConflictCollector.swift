/// Collects "two rows set the same field of the same config to different values" errors.
///
/// A pair of `match.*` rows can collide on thousands of configs; the pair is reported once,
/// naming one config and counting the rest.
package struct ConflictCollector: Sendable {
    let file: String
    private struct Key: Hashable {
        var first: Int
        var second: Int
        var what: String
    }
    private var order: [Key] = []
    private var found: [Key: (configID: String, count: Int)] = [:]

    package init(file: String) {
        self.file = file
    }

    /// Records that rows at `first` and `second` disagree on `what` for config `configID`.
    mutating func report(first: Int, second: Int, what: String, configID: String) {
        let key = Key(first: min(first, second), second: max(first, second), what: what)
        if let existing = found[key] {
            found[key] = (existing.configID, existing.count + 1)
        } else {
            order.append(key)
            found[key] = (configID, 1)
        }
    }

    var isEmpty: Bool { order.isEmpty }

    /// One error per disagreeing pair, at the later row, naming both lines.
    package var diagnostics: [Diagnostic] {
        order.compactMap { key in
            guard let hit = found[key] else { return nil }
            let more = hit.count > 1 ? " (and \(hit.count - 1) more config\(hit.count > 2 ? "s" : ""))" : ""
            return Diagnostic(
                .error, file: file, line: key.second,
                "rows at lines \(key.first) and \(key.second) set '\(key.what)' of config \(hit.configID)\(more) "
                    + "to different values")
        }
    }
}
