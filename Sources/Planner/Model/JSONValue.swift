/// A JSON value, as found in `configData` and in change-list cells.
///
/// Integers and fractional numbers are kept apart so that `42` round-trips as `42`, not `42.0`.
/// Objects are unordered; every rendering sorts keys so output is deterministic.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

extension JSONValue {
    /// The object's members, or `nil` when this is not an object.
    public var objectValue: [String: JSONValue]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The string, or `nil` when this is not a string.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The boolean, or `nil` when this is not a boolean.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// Compact JSON with sorted keys: the one rendering used for display, diffs and CSV cells.
    public var canonicalText: String {
        var writer = JSONWriter()
        writer.value(self)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// Parses one JSON text (any value at the top level).
    ///
    /// - Throws: ``JSONSyntaxError`` (with line and column) when `text` is not valid JSON.
    public init(parsing text: String) throws {
        self = try JSONParser.parse(text)
    }
}

extension [String: JSONValue] {
    /// Sets `value` at a key path (`["webhook", "url"]`), making objects on the way: a member on the
    /// path that is not an object is replaced by one. An empty path changes nothing.
    package mutating func set(_ value: JSONValue, at path: some Collection<String>) {
        guard let key = path.first else { return }
        guard path.count > 1 else {
            self[key] = value
            return
        }
        var inner = self[key]?.objectValue ?? [:]
        inner.set(value, at: path.dropFirst())
        self[key] = .object(inner)
    }
}
