import Planner

/// `failed.csv`: the failed and conflicted items of a run as a change list, so
/// `bulk-update apply failed.csv` retries exactly them.
///
/// Each row re-expresses the item's ``ConfigChange``: set fields, `\N` clears, the configData merge
/// patch in the `configData` column, `enabled`, `wave` and the original `expectedVersion`. Secret
/// values are never written: they are left out of the patch and listed in ``withheld``; retrying
/// those needs the original change list (an item whose only change was a secret gets no row).
public struct FailedList: Sendable, Hashable {
    /// The CSV text (RFC 4180, CRLF), header row first; only a header when nothing failed.
    public var csv: String
    /// Number of data rows.
    public var rows: Int
    /// The ids of every failed or conflicted item, in plan order (with a row or not).
    public var ids: [String]
    /// Secret values left out.
    public var withheld: [WithheldField]

    /// Builds the failed list of a run.
    ///
    /// - Parameters:
    ///   - plan: the run's plan.
    ///   - outcomes: the run's outcomes; the last one per id counts.
    ///   - changes: the in-memory changes by id (they may hold secret values, which are dropped);
    ///     an item missing here uses its plan's ``PlanItem/change``.
    public static func render(plan: Plan, outcomes: [ItemOutcome], changes: [String: ConfigChange] = [:]) -> FailedList
    {
        var last: [String: ItemOutcome] = [:]
        for outcome in outcomes { last[outcome.id] = outcome }
        var csv = ChangeListCSV()
        var ids: [String] = []
        var withheld: [WithheldField] = []
        for item in plan.items {
            guard let status = last[item.id]?.status, status == .failed || status == .conflict else { continue }
            ids.append(item.id)
            let change = changes[item.id] ?? item.change
            var row: [String: String] = [:]
            for (field, value) in change.fields where field != .configData {
                switch value {
                case .set(let text): row[field.rawValue] = text
                case .clear: row[field.rawValue] = ChangeListCSV.clear
                }
            }
            switch change.configDataPatch {
            case nil: break
            case .null?: row["configData"] = ChangeListCSV.clear
            case .object(let patch)?:
                let clean = Self.withoutSecrets(patch, path: "configData", id: item.id, withheld: &withheld)
                if !clean.isEmpty || patch.isEmpty { row["configData"] = JSONValue.object(clean).canonicalText }
            case let other?:
                if Secrets.holdsFingerprint(other) {
                    withheld.append(WithheldField(id: item.id, path: "configData", reason: WithheldField.secretReason))
                } else {
                    row["configData"] = other.canonicalText
                }
            }
            if change.enable { row["enabled"] = "true" }
            guard !row.isEmpty else { continue }
            row["id"] = item.id
            if let expected = item.expectedVersion { row["expectedVersion"] = String(expected) }
            if item.wave != 0 { row["wave"] = String(item.wave) }
            csv.append(row)
        }
        return FailedList(csv: csv.render(), rows: csv.count, ids: ids, withheld: withheld)
    }

    /// The patch without secret values (clearing a secret, `null`, is kept: it reveals nothing).
    private static func withoutSecrets(
        _ patch: [String: JSONValue], path: String, id: String, withheld: inout [WithheldField]
    ) -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for key in patch.keys.sorted() {
            guard let value = patch[key] else { continue }
            let keyPath = path + "." + key
            if value != .null, Secrets.isSecretKey(key) || Secrets.holdsFingerprint(value) {
                if case .object(let inner) = value, !Secrets.isSecretKey(key) {
                    let clean = withoutSecrets(inner, path: keyPath, id: id, withheld: &withheld)
                    if !clean.isEmpty { out[key] = .object(clean) }
                    continue
                }
                withheld.append(WithheldField(id: id, path: keyPath, reason: WithheldField.secretReason))
                continue
            }
            if case .object(let inner) = value, Secrets.containsSecret(inner) {
                let clean = withoutSecrets(inner, path: keyPath, id: id, withheld: &withheld)
                if !clean.isEmpty { out[key] = .object(clean) }
                continue
            }
            out[key] = value
        }
        return out
    }
}
