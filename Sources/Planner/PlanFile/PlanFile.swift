import Foundation

/// Why a plan file cannot be used.
public enum PlanFileError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)
    /// Not a plan (or a damaged one).
    case malformed(path: String, reason: String)
    /// Written by a build with another plan format.
    case unsupportedVersion(path: String, found: Int, supported: Int)
    /// The items do not hash to the recorded fingerprint: the file was edited after planning.
    case fingerprintMismatch(path: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read plan '\(path)': \(reason)"
        case .unwritable(let path, let reason): "cannot write plan '\(path)': \(reason)"
        case .malformed(let path, let reason): "'\(path)' is not a bulk-update plan: \(reason)"
        case .unsupportedVersion(let path, let found, let supported):
            "plan '\(path)' has format version \(found); this build reads version \(supported): "
                + "run 'bulk-update plan' again to make a new plan"
        case .fingerprintMismatch(let path):
            "plan '\(path)' was modified after it was made (its fingerprint does not match its items); make a new plan"
        }
    }
}

/// Writes and reads plan files (`docs/FORMATS.md`, "Plan file").
public enum PlanFile {
    /// The plan as JSON: top-level members sorted, one item per line in its canonical encoding.
    public static func encode(_ plan: Plan) -> Data {
        var out = Data()
        write(plan) { out.append(contentsOf: $0) }
        return out
    }

    /// Writes `plan` to `url` (mode 0600: a plan names configs and values of an org).
    ///
    /// - Throws: ``PlanFileError/unwritable(path:reason:)``.
    public static func write(_ plan: Plan, to url: URL) throws(PlanFileError) {
        let path = url.path
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
            let handle = FileHandle(forWritingAtPath: path)
        else { throw .unwritable(path: path, reason: "cannot create the file") }
        var failure: (any Error)?
        write(plan) { chunk in
            guard failure == nil else { return }
            do { try handle.write(contentsOf: chunk) } catch { failure = error }
        }
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            failure = failure ?? error
        }
        if let failure { throw .unwritable(path: path, reason: failure.localizedDescription) }
    }

    /// The plan file's bytes handed to `sink` in pieces, in order (``encode(_:)`` without
    /// holding the whole file): top-level members sorted, one item per line.
    public static func write(_ plan: Plan, to sink: ([UInt8]) -> Void) {
        var out = JSONWriter()
        out.raw("{")
        if let baseURL = plan.baseURL {
            out.raw("\"baseURL\":")
            out.string(baseURL)
            out.raw(",")
        }
        out.raw("\"fingerprint\":")
        out.string(plan.fingerprint)
        out.raw(",\"formatVersion\":")
        out.integer(Int64(plan.formatVersion))
        out.raw(",\"input\":")
        out.object([
            "file": .string(plan.input.file), "digest": .string(plan.input.digest),
            "format": .string(plan.input.format), "rows": .integer(Int64(plan.input.rows)),
        ])
        out.raw(",\"items\":[")
        sink(out.bytes)
        for (index, item) in plan.items.enumerated() {
            sink(Array((index == 0 ? "\n" : ",\n").utf8) + PlanEncoding.canonicalBytes(of: item))
        }
        out = JSONWriter()
        out.raw(plan.items.isEmpty ? "]" : "\n]")
        out.raw(",\"options\":")
        out.object(["requireMatch": .bool(plan.options.requireMatch)])
        if let org = plan.org {
            out.raw(",\"org\":")
            out.string(org)
        }
        out.raw(",\"warnings\":")
        out.value(
            .array(
                plan.warnings.map { warning in
                    var members: [String: JSONValue] = [
                        "severity": .string(warning.severity.rawValue), "file": .string(warning.file),
                        "message": .string(warning.message),
                    ]
                    if let line = warning.line { members["line"] = .integer(Int64(line)) }
                    if let column = warning.column { members["column"] = .integer(Int64(column)) }
                    return .object(members)
                }))
        out.raw("}\n")
        sink(out.bytes)
    }

    /// Reads a plan, checking its format version and its fingerprint.
    ///
    /// Changes that set secrets come back with ``ConfigChange/secretsWithheld``: use
    /// ``PlanBuilder/replay(_:changes:)`` with the original change list to apply them.
    public static func read(from url: URL) throws(PlanFileError) -> Plan {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadable(path: url.path, reason: error.localizedDescription)
        }
        return try decode(data, path: url.path)
    }

    /// Decodes a plan held in memory (see ``read(from:)``).
    public static func decode(_ data: Data, path: String = "plan") throws(PlanFileError) -> Plan {
        let plan = try PlanDecoding.decode(Array(data), path: path)
        guard PlanEncoding.fingerprint(of: plan.items) == plan.fingerprint else {
            throw PlanFileError.fingerprintMismatch(path: path)
        }
        return plan
    }
}
