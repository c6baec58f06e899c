/// What to do to one top-level string field.
public enum FieldValue: Sendable, Hashable {
    /// Set the field to this value.
    case set(String)
    /// Clear the field (`\N` in a change list).
    case clear
}

/// The merged change for one config: every row that resolved to it, combined.
///
/// In memory it holds the real values the change list sets, secrets included. In a plan file every
/// secret in ``configDataPatch`` is a fingerprint, and a change read back from one has
/// ``secretsWithheld`` set, so it cannot be applied without the change list.
public struct ConfigChange: Sendable, Hashable {
    /// New values for the top-level fields (never `.configData`).
    public var fields: [ConfigField: FieldValue]
    /// An RFC 7386 merge patch for `configData` (`.null` clears it), or `nil` to leave it alone.
    public var configDataPatch: JSONValue?
    /// Enable the config (`POST …/enable`) after any update.
    public var enable: Bool
    /// True when this change was read from a plan file and its patch sets secret values that the
    /// file does not hold: applying it needs the change list again.
    public private(set) var secretsWithheld = false

    public init(fields: [ConfigField: FieldValue] = [:], configDataPatch: JSONValue? = nil, enable: Bool = false) {
        self.fields = fields
        self.configDataPatch = configDataPatch
        self.enable = enable
    }

    /// A change as a plan file records it (see ``recorded``): ``secretsWithheld`` is set when its
    /// patch holds fingerprints.
    init(recordedFields fields: [ConfigField: FieldValue], configDataPatch: JSONValue?, enable: Bool) {
        self.init(fields: fields, configDataPatch: configDataPatch, enable: enable)
        secretsWithheld = configDataPatch?.objectValue != nil && Secrets.holdsFingerprint(configDataPatch)
    }

    /// Whether the change writes anything with PUT (as opposed to only enabling).
    public var hasFieldChanges: Bool { !fields.isEmpty || configDataPatch != nil }

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
            out.configData = MergePatch.apply(patch, to: config.configData.map(JSONValue.object)).objectValue
        }
        return out
    }

    /// The change as a plan records it: `{"configDataPatch": …, "enable": …, "fields": {…}}`, secret
    /// values as fingerprints, no `configDataPatch` member when there is no patch (`null` clears).
    var recorded: JSONValue {
        var members: [String: JSONValue] = [
            "enable": .bool(enable),
            "fields": .object(
                Dictionary(
                    uniqueKeysWithValues: fields.map { field, value in
                        switch value {
                        case .set(let text): (field.rawValue, JSONValue.string(text))
                        case .clear: (field.rawValue, JSONValue.null)
                        }
                    })),
        ]
        if let patch = configDataPatch {
            members["configDataPatch"] = patch.objectValue.map { .object(Secrets.redact($0)) } ?? patch
        }
        return .object(members)
    }
}
