/// Reads plan files: the one reader of the form ``PlanEncoding`` writes.
///
/// It accepts any member order and spacing and reports what is wrong with the path to it, like
/// `missing 'id' at items[3]`.
enum PlanDecoding {
    /// Why a plan could not be read (the path to the offending value, and what is wrong).
    struct Failure: Error {
        var reason: String
    }

    /// The plan in `bytes` (fingerprint not checked here). Items are read one at a time, each
    /// converted and its JSON dropped before the next.
    static func decode(_ bytes: [UInt8], path: String) throws(PlanFileError) -> Plan {
        var parser = JSONParser(bytes: bytes)
        var members: [String: JSONValue] = [:]
        var items: [PlanItem] = []
        var itemFailure: Failure?
        do throws(JSONSyntaxError) {
            try parser.expect(UInt8(ascii: "{"))
            if !parser.consume(UInt8(ascii: "}")) {
                repeat {
                    guard parser.peek() == UInt8(ascii: "\"") else { throw parser.error("expected a member name") }
                    let key = try parser.parseString()
                    try parser.expect(UInt8(ascii: ":"))
                    guard key == "items", parser.peek() == UInt8(ascii: "[") else {
                        members[key] = try parser.parseValue()
                        continue
                    }
                    members[key] = .array([])
                    try parser.expect(UInt8(ascii: "["))
                    if parser.consume(UInt8(ascii: "]")) { continue }
                    repeat {
                        let value = try parser.parseValue()
                        guard itemFailure == nil else { continue }
                        do {
                            items.append(try item(value, at: "items[\(items.count)]"))
                        } catch {
                            itemFailure = error
                        }
                    } while parser.consume(UInt8(ascii: ","))
                    try parser.expect(UInt8(ascii: "]"))
                } while parser.consume(UInt8(ascii: ","))
                try parser.expect(UInt8(ascii: "}"))
            }
            if parser.peek() != nil { throw parser.error("unexpected text after the plan") }
        } catch {
            throw .malformed(
                path: path, reason: "invalid JSON at line \(error.line), column \(error.column): \(error.message)")
        }
        do {
            let version = try integer(members, "formatVersion", at: "")
            guard version == Int64(Plan.currentFormatVersion) else {
                throw PlanFileError.unsupportedVersion(
                    path: path, found: Int(clamping: version), supported: Plan.currentFormatVersion)
            }
            if let itemFailure { throw itemFailure }
            guard case .array = members["items"] else {
                throw Failure(
                    reason: members["items"] == nil ? "missing 'items'" : "unexpected value at items: expected a list")
            }
            let input = try object(members, "input", at: "")
            let options = try object(members, "options", at: "")
            return Plan(
                formatVersion: Plan.currentFormatVersion, org: try optionalString(members, "org", at: ""),
                baseURL: try optionalString(members, "baseURL", at: ""),
                input: PlanInput(
                    file: try string(input, "file", at: "input"), digest: try string(input, "digest", at: "input"),
                    format: try string(input, "format", at: "input"),
                    rows: Int(clamping: try integer(input, "rows", at: "input"))),
                options: PlanOptions(requireMatch: try bool(options, "requireMatch", at: "options")),
                items: items,
                warnings: try array(members, "warnings", at: "").enumerated().map { index, value in
                    try diagnostic(value, at: "warnings[\(index)]")
                },
                fingerprint: try string(members, "fingerprint", at: ""))
        } catch let error as PlanFileError {
            throw error
        } catch let error as Failure {
            throw .malformed(path: path, reason: error.reason)
        } catch {
            throw .malformed(path: path, reason: "\(error)")
        }
    }

    // MARK: Values

    private static func item(_ value: JSONValue, at path: @autoclosure () -> String) throws(Failure) -> PlanItem {
        let members = try object(value, at: path())
        let diff = try array(members, "diff", at: path()).enumerated().map { index, entry throws(Failure) in
            try fieldChange(entry, at: "\(path()).diff[\(index)]")
        }
        let before = try optionalObject(members, "before", at: path()) ?? [:]
        let after = try optionalObject(members, "after", at: path()) ?? [:]
        let status = try string(members, "status", at: path())
        guard let itemStatus = PlanItemStatus(rawValue: status) else {
            throw Failure(reason: "unexpected value at \(path()).status: '\(status)'")
        }
        let item = PlanItem(
            id: try string(members, "id", at: path()), name: try optionalString(members, "name", at: path()),
            entityType: try string(members, "entityType", at: path()),
            destination: try string(members, "destination", at: path()),
            versionRead: try integer(members, "versionRead", at: path()),
            expectedVersion: try optionalInteger(members, "expectedVersion", at: path()), diff: diff,
            enable: try bool(members, "enable", at: path()), enabledRead: before["enabled"].flatMap(boolean),
            wave: Int(clamping: try integer(members, "wave", at: path())),
            inputLines: try array(members, "inputLines", at: path()).enumerated().map { index, line throws(Failure) in
                Int(clamping: try integer(line, at: "\(path()).inputLines[\(index)]"))
            },
            status: itemStatus, change: try change(members["change"], at: "\(path()).change"),
            reads: try optionalArray(members, "reads", at: path()).enumerated().map { index, entry throws(Failure) in
                try fieldRead(entry, at: "\(path()).reads[\(index)]")
            })
        // `before` and `after` repeat what `diff` says; a file where they disagree was edited.
        guard item.before == before, item.after == after else {
            throw Failure(reason: "item \(item.id) at \(path()): 'before'/'after' do not match its 'diff'")
        }
        return item
    }

    private static func fieldChange(_ value: JSONValue, at path: @autoclosure () -> String) throws(Failure)
        -> FieldChange
    {
        let members = try object(value, at: path())
        let keys = try array(members, "path", at: path()).enumerated().map { index, key throws(Failure) in
            try string(key, at: "\(path()).path[\(index)]")
        }
        return FieldChange(
            path: keys, before: present(members["before"]), after: present(members["after"]),
            secret: try bool(members, "secret", at: path()))
    }

    private static func fieldRead(_ value: JSONValue, at path: @autoclosure () -> String) throws(Failure) -> FieldRead {
        let members = try object(value, at: path())
        let keys = try array(members, "path", at: path()).enumerated().map { index, key throws(Failure) in
            try string(key, at: "\(path()).path[\(index)]")
        }
        return FieldRead(path: keys, value: present(members["value"]))
    }

    private static func optionalArray(
        _ members: [String: JSONValue], _ key: String, at path: @autoclosure () -> String
    ) throws(Failure) -> [JSONValue] {
        guard let value = present(members[key]) else { return [] }
        guard case .array(let elements) = value else { throw mismatch(path(), key, "a list") }
        return elements
    }

    private static func change(_ value: JSONValue?, at path: @autoclosure () -> String) throws(Failure) -> ConfigChange
    {
        guard let value else {
            throw Failure(reason: "missing '\(path().split(separator: ".").last ?? "")' at \(parent(path()))")
        }
        let members = try object(value, at: path())
        var fields: [ConfigField: FieldValue] = [:]
        for (key, field) in try optionalObject(members, "fields", at: path()) ?? [:] {
            guard let name = ConfigField(rawValue: key), name != .configData else {
                throw Failure(reason: "unknown field '\(key)' in a plan change at \(path()).fields")
            }
            switch field {
            case .null: fields[name] = .clear
            case .string(let text): fields[name] = .set(text)
            default: throw Failure(reason: "unexpected value at \(path()).fields.\(key): expected a string or null")
            }
        }
        // `null` is a patch too (it clears configData); only an absent member is no patch.
        return ConfigChange(
            recordedFields: fields, configDataPatch: members["configDataPatch"],
            enable: try members["enable"].map { value throws(Failure) in try bool(value, at: "\(path()).enable") }
                ?? false)
    }

    private static func diagnostic(_ value: JSONValue, at path: @autoclosure () -> String) throws(Failure) -> Diagnostic
    {
        let members = try object(value, at: path())
        let severity = try string(members, "severity", at: path())
        guard let level = Diagnostic.Severity(rawValue: severity) else {
            throw Failure(reason: "unexpected value at \(path()).severity: '\(severity)'")
        }
        return Diagnostic(
            level, file: try string(members, "file", at: path()),
            line: try optionalInteger(members, "line", at: path()).map { Int(clamping: $0) },
            column: try optionalInteger(members, "column", at: path()).map { Int(clamping: $0) },
            try string(members, "message", at: path()))
    }

    // MARK: Typed members

    /// `nil` for an absent member or `null` (an optional's two spellings).
    private static func present(_ value: JSONValue?) -> JSONValue? {
        value == .null ? nil : value
    }

    private static func boolean(_ value: JSONValue) -> Bool? {
        if case .bool(let flag) = value { return flag }
        return nil
    }

    private static func parent(_ path: String) -> String {
        path.split(separator: ".").dropLast().joined(separator: ".")
    }

    private static func required(_ members: [String: JSONValue], _ key: String, at path: @autoclosure () -> String)
        throws(Failure)
        -> JSONValue
    {
        guard let value = present(members[key]) else {
            throw Failure(reason: "missing '\(key)'" + (path().isEmpty ? "" : " at \(path())"))
        }
        return value
    }

    private static func mismatch(_ path: String, _ key: String, _ expected: String) -> Failure {
        Failure(reason: "unexpected value at \(path.isEmpty ? key : "\(path).\(key)"): expected \(expected)")
    }

    private static func object(_ value: JSONValue, at path: @autoclosure () -> String) throws(Failure) -> [String:
        JSONValue]
    {
        guard case .object(let members) = value else {
            throw Failure(reason: "unexpected value at \(path()): expected an object")
        }
        return members
    }

    private static func object(_ members: [String: JSONValue], _ key: String, at path: @autoclosure () -> String)
        throws(Failure)
        -> [String: JSONValue]
    {
        guard case .object(let inner) = try required(members, key, at: path()) else {
            throw mismatch(path(), key, "an object")
        }
        return inner
    }

    private static func optionalObject(
        _ members: [String: JSONValue], _ key: String, at path: @autoclosure () -> String
    ) throws(Failure)
        -> [String: JSONValue]?
    {
        guard let value = present(members[key]) else { return nil }
        guard case .object(let inner) = value else { throw mismatch(path(), key, "an object") }
        return inner
    }

    private static func array(_ members: [String: JSONValue], _ key: String, at path: @autoclosure () -> String)
        throws(Failure)
        -> [JSONValue]
    {
        guard case .array(let elements) = try required(members, key, at: path()) else {
            throw mismatch(path(), key, "a list")
        }
        return elements
    }

    private static func string(_ value: JSONValue, at path: @autoclosure () -> String) throws(Failure) -> String {
        guard case .string(let text) = value else {
            throw Failure(reason: "unexpected value at \(path()): expected a string")
        }
        return text
    }

    private static func string(_ members: [String: JSONValue], _ key: String, at path: @autoclosure () -> String)
        throws(Failure)
        -> String
    {
        guard case .string(let text) = try required(members, key, at: path()) else {
            throw mismatch(path(), key, "a string")
        }
        return text
    }

    private static func optionalString(
        _ members: [String: JSONValue], _ key: String, at path: @autoclosure () -> String
    ) throws(Failure)
        -> String?
    {
        guard let value = present(members[key]) else { return nil }
        guard case .string(let text) = value else { throw mismatch(path(), key, "a string") }
        return text
    }

    private static func integer(_ value: JSONValue, at path: @autoclosure () -> String) throws(Failure) -> Int64 {
        switch value {
        case .integer(let number): return number
        case .double(let number):
            if let exact = Int64(exactly: number) { return exact }
        default: break
        }
        throw Failure(reason: "unexpected value at \(path()): expected a whole number")
    }

    private static func integer(_ members: [String: JSONValue], _ key: String, at path: @autoclosure () -> String)
        throws(Failure)
        -> Int64
    {
        try integer(try required(members, key, at: path()), at: path().isEmpty ? key : "\(path()).\(key)")
    }

    private static func optionalInteger(
        _ members: [String: JSONValue], _ key: String, at path: @autoclosure () -> String
    ) throws(Failure)
        -> Int64?
    {
        guard let value = present(members[key]) else { return nil }
        return try integer(value, at: path().isEmpty ? key : "\(path()).\(key)")
    }

    private static func bool(_ value: JSONValue, at path: @autoclosure () -> String) throws(Failure) -> Bool {
        guard case .bool(let flag) = value else {
            throw Failure(reason: "unexpected value at \(path()): expected true or false")
        }
        return flag
    }

    private static func bool(_ members: [String: JSONValue], _ key: String, at path: @autoclosure () -> String)
        throws(Failure) -> Bool
    {
        try bool(try required(members, key, at: path()), at: path().isEmpty ? key : "\(path()).\(key)")
    }
}
