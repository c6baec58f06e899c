/// What to do to one top-level string field.
///
/// Encoded as the new string, or `null` for ``clear``.
public enum FieldValue: Sendable, Hashable, Codable {
    /// Set the field to this value.
    case set(String)
    /// Clear the field (`\N` in a change list).
    case clear

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        self = container.decodeNil() ? .clear : .set(try container.decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .set(let text): try container.encode(text)
        case .clear: try container.encodeNil()
        }
    }
}

/// The merged change for one config: every row that resolved to it, combined.
///
/// In memory it holds the real values the change list sets, secrets included. Encoded (in a
/// plan file) every secret in ``configDataPatch`` becomes a fingerprint and ``secretsWithheld``
/// is set on decode, so a plan read back from disk cannot be applied without the change list.
public struct ConfigChange: Sendable {
    /// New values for the top-level fields (never `.configData`).
    public var fields: [ConfigField: FieldValue]
    /// The configData patch as held (see ``Patch``).
    private(set) var patch: Patch
    /// Enable the config (`POST …/enable`) after any update.
    public var enable: Bool
    /// True when this change was read from a plan file and its patch sets secret values that the
    /// file does not hold: applying it needs the change list again.
    public private(set) var secretsWithheld: Bool

    /// A configData merge patch as a change holds it.
    ///
    /// A patch of one top-level member (what a change-list row with one `configData.<key>` cell
    /// asks for: nearly every row of a large list) is held as its key and value, without a
    /// dictionary, which a million rows would otherwise each allocate. Either form means the
    /// same patch: ``ConfigChange``'s equality and hashing do not tell them apart.
    enum Patch: Sendable {
        /// No patch: configData is left alone.
        case none
        /// `{key: value}`.
        case member(key: String, value: JSONValue)
        /// Any patch (`.null` clears configData).
        case value(JSONValue)
    }

    public init(fields: [ConfigField: FieldValue] = [:], configDataPatch: JSONValue? = nil, enable: Bool = false) {
        self.init(fields: fields, patch: configDataPatch.map(Patch.value) ?? .none, enable: enable)
    }

    init(fields: [ConfigField: FieldValue], patch: Patch, enable: Bool) {
        self.fields = fields
        self.patch = patch
        self.enable = enable
        self.secretsWithheld = false
    }

    /// An RFC 7386 merge patch for `configData` (`.null` clears it), or `nil` to leave it alone.
    public var configDataPatch: JSONValue? {
        get {
            switch patch {
            case .none: nil
            case .member(let key, let value): .object([key: value])
            case .value(let value): value
            }
        }
        set { patch = newValue.map(Patch.value) ?? .none }
    }

    /// Whether the change writes anything with PUT (as opposed to only enabling).
    public var hasFieldChanges: Bool { !fields.isEmpty || !patch.isNone }

    /// The config with this change merged in (version and read-only fields untouched).
    public func applied(to config: IntegrationConfig) -> IntegrationConfig {
        var out = config
        for (field, value) in fields {
            let text: String? =
                switch value {
                case .set(let text): text
                case .clear: nil
                }
            switch field {
            case .name: out.name = text
            case .entityType: out.entityType = text ?? ""
            case .entityId: out.entityId = text
            case .destination: out.destination = text ?? ""
            case .destinationId: out.destinationId = text
            case .integrationCredentialsId: out.integrationCredentialsId = text
            case .configData: break
            }
        }
        if let patch = configDataPatch {
            let merged = MergePatch.apply(patch, to: config.configData.map(JSONValue.object))
            out.configData = merged.objectValue
        }
        return out
    }
}

extension ConfigChange: Hashable {
    public static func == (a: ConfigChange, b: ConfigChange) -> Bool {
        a.enable == b.enable && a.secretsWithheld == b.secretsWithheld && a.fields == b.fields
            && a.patch.samePatch(as: b.patch)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(fields)
        patch.hash(into: &hasher)
        hasher.combine(enable)
        hasher.combine(secretsWithheld)
    }
}

extension ConfigChange.Patch {
    /// Whether there is no patch (configData is left alone).
    var isNone: Bool {
        if case .none = self { return true }
        return false
    }

    /// The patch's one top-level member, in either form (`nil`: not a one-member object).
    var onlyMember: (key: String, value: JSONValue)? {
        switch self {
        case .none: return nil
        case .member(let key, let value): return (key, value)
        case .value(let value):
            guard case .object(let members) = value, members.count == 1, let only = members.first else { return nil }
            return (only.key, only.value)
        }
    }

    /// Whether both mean the same patch (one member held either way compares by key and value).
    func samePatch(as other: Self) -> Bool {
        switch (self, other) {
        case (.none, .none): return true
        case (.none, _), (_, .none): return false
        case (.value(let a), .value(let b)): return a == b
        default:
            guard let a = onlyMember, let b = other.onlyMember else { return false }
            return a.key == b.key && a.value == b.value
        }
    }

    /// Hashes the patch as ``samePatch(as:)`` compares it.
    func hash(into hasher: inout Hasher) {
        if let (key, value) = onlyMember {
            hasher.combine(1)
            hasher.combine(key)
            hasher.combine(value)
        } else if case .value(let value) = self {
            hasher.combine(2)
            hasher.combine(value)
        } else {
            hasher.combine(0)
        }
    }
}

extension ConfigChange: Codable {
    private enum CodingKeys: String, CodingKey { case fields, configDataPatch, enable }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let raw = try c.decodeIfPresent([String: FieldValue].self, forKey: .fields) ?? [:]
        var fields: [ConfigField: FieldValue] = [:]
        for (key, value) in raw {
            guard let field = ConfigField(rawValue: key), field != .configData else {
                throw DecodingError.dataCorruptedError(
                    forKey: .fields, in: c, debugDescription: "unknown field '\(key)' in a plan change")
            }
            fields[field] = value
        }
        self.fields = fields
        // `null` is a patch too (it clears configData); only an absent member is no patch.
        let decodedPatch =
            c.contains(.configDataPatch) ? try c.decode(JSONValue.self, forKey: .configDataPatch) : nil
        patch = decodedPatch.map(Patch.value) ?? .none
        enable = try c.decodeIfPresent(Bool.self, forKey: .enable) ?? false
        secretsWithheld = decodedPatch?.objectValue.map(Self.holdsFingerprint) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Dictionary(uniqueKeysWithValues: fields.map { ($0.key.rawValue, $0.value) }), forKey: .fields)
        try c.encodeIfPresent(recordedPatch, forKey: .configDataPatch)
        try c.encode(enable, forKey: .enable)
    }

    fileprivate static func holdsFingerprint(_ object: [String: JSONValue]) -> Bool {
        object.values.contains { value in
            if Secrets.isFingerprint(value) { return true }
            if case .object(let inner) = value { return holdsFingerprint(inner) }
            return false
        }
    }
}

extension ConfigChange {
    /// The configData patch as a plan records it: secret values as fingerprints.
    var recordedPatch: JSONValue? {
        configDataPatch.map { patch in patch.objectValue.map { JSONValue.object(Secrets.redact($0)) } ?? patch }
    }

    /// A change read from a plan file: ``secretsWithheld`` is set when its patch holds fingerprints.
    init(decodedFields fields: [ConfigField: FieldValue], configDataPatch: JSONValue?, enable: Bool) {
        self.init(fields: fields, configDataPatch: configDataPatch, enable: enable)
        secretsWithheld = configDataPatch?.objectValue.map(Self.holdsFingerprint) ?? false
    }
}
