import Planner

/// `undo.csv`: a change list that restores every applied item's changed fields to their values
/// before the run, each row guarded by `expectedVersion` = the version our write produced, so an
/// item someone changed since is reported as a conflict instead of being overwritten.
///
/// Top-level fields get their old value (`\N` when it was absent); configData leaves get a
/// `configData.a.b` column with the old value as JSON (`\N` when absent). What cannot be
/// restored is listed in ``withheld``: secret values (never stored anywhere) and enabling (the
/// API has no disable).
public struct UndoList: Sendable, Hashable {
    /// The CSV text (RFC 4180, CRLF), header row first.
    public var csv: String
    /// Number of data rows.
    public var rows: Int
    /// Fields left out, to warn about.
    public var withheld: [WithheldField]

    /// Builds the undo list of a run.
    ///
    /// - Parameters:
    ///   - plan: the run's plan (its items' diffs hold the before values, redacted).
    ///   - outcomes: the run's outcomes; the last one per id counts, and only `applied` items are undone.
    public static func render(plan: Plan, outcomes: [ItemOutcome]) -> UndoList {
        var last: [String: ItemOutcome] = [:]
        for outcome in outcomes { last[outcome.id] = outcome }
        var csv = ChangeListCSV()
        var withheld: [WithheldField] = []
        for item in plan.items {
            guard let outcome = last[item.id], outcome.status == .applied else { continue }
            guard let versionAfter = outcome.versionAfter else {
                withheld.append(
                    WithheldField(id: item.id, path: "*", reason: "no version after the write was recorded"))
                continue
            }
            var row: [String: String] = [:]
            var nested: [String: JSONValue] = [:]
            for change in item.diff {
                guard let head = change.path.first else { continue }
                let path = change.dottedPath
                if head == "enabled" {
                    withheld.append(
                        WithheldField(
                            id: item.id, path: path, reason: "enabling cannot be undone: the API has no disable"))
                    continue
                }
                if change.secret || Secrets.holdsFingerprint(change.before) {
                    withheld.append(WithheldField(id: item.id, path: path, reason: WithheldField.secretReason))
                    continue
                }
                guard let field = ConfigField(rawValue: head) else { continue }
                if field != .configData {
                    row[head] = change.before.map { $0.stringValue ?? $0.canonicalText } ?? ChangeListCSV.clear
                    continue
                }
                let keys = Array(change.path.dropFirst())
                if keys.isEmpty {
                    guard let before = change.before?.objectValue else {
                        row["configData"] = ChangeListCSV.clear
                        continue
                    }
                    let patch = Self.patch(from: change.after?.objectValue ?? [:], to: before)
                    nested = Self.combine(nested, patch)
                } else if !Column.canName(configDataPath: keys) {
                    nested.set(change.before ?? .null, at: keys)
                } else {
                    row["configData." + keys.joined(separator: ".")] =
                        change.before.map(\.canonicalText) ?? ChangeListCSV.clear
                }
            }
            if !nested.isEmpty, row["configData"] == nil { row["configData"] = JSONValue.object(nested).canonicalText }
            guard !row.isEmpty else { continue }
            row["id"] = item.id
            row["expectedVersion"] = String(versionAfter)
            csv.append(row)
        }
        return UndoList(csv: csv.render(), rows: csv.count, withheld: withheld)
    }

    /// The RFC 7386 patch that turns `current` into `target`.
    static func patch(from current: [String: JSONValue], to target: [String: JSONValue]) -> [String: JSONValue] {
        var patch: [String: JSONValue] = [:]
        for (key, value) in target where current[key] != value {
            if case .object(let inner) = value, case .object(let currentInner)? = current[key] {
                patch[key] = .object(Self.patch(from: currentInner, to: inner))
            } else {
                patch[key] = value
            }
        }
        for key in current.keys where target[key] == nil { patch[key] = .null }
        return patch
    }

    /// Two merge patches as one (`later` wins; `null` members are kept: they remove keys).
    private static func combine(_ earlier: [String: JSONValue], _ later: [String: JSONValue]) -> [String: JSONValue] {
        var out = earlier
        for (key, value) in later {
            if case .object(let inner) = value, case .object(let existing)? = out[key] {
                out[key] = .object(combine(existing, inner))
            } else {
                out[key] = value
            }
        }
        return out
    }
}
