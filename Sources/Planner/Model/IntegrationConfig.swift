import Foundation

/// One IntegrationConfig as the m3ter API returns it.
///
/// Decoding is lenient: unknown keys are ignored and every optional may be absent, `null` or of
/// another type (the spec's declared body for `GET …/{id}` is wrong, and real responses vary).
public struct IntegrationConfig: Sendable, Hashable, Codable {
    public var id: String
    public var version: Int64
    public var entityType: String
    public var entityId: String?
    public var destination: String
    public var destinationId: String?
    public var configData: [String: JSONValue]?
    public var authorized: Bool?
    public var enabled: Bool?
    public var triggerType: String?
    public var integrationCredentialsId: String?
    public var name: String?
    public var dtCreated: String?
    public var dtLastModified: String?
    public var createdBy: String?
    public var lastModifiedBy: String?

    public init(
        id: String, version: Int64, entityType: String, entityId: String? = nil, destination: String,
        destinationId: String? = nil, configData: [String: JSONValue]? = nil, authorized: Bool? = nil,
        enabled: Bool? = nil, triggerType: String? = nil, integrationCredentialsId: String? = nil,
        name: String? = nil, dtCreated: String? = nil, dtLastModified: String? = nil, createdBy: String? = nil,
        lastModifiedBy: String? = nil
    ) {
        self.id = id
        self.version = version
        self.entityType = entityType
        self.entityId = entityId
        self.destination = destination
        self.destinationId = destinationId
        self.configData = configData
        self.authorized = authorized
        self.enabled = enabled
        self.triggerType = triggerType
        self.integrationCredentialsId = integrationCredentialsId
        self.name = name
        self.dtCreated = dtCreated
        self.dtLastModified = dtLastModified
        self.createdBy = createdBy
        self.lastModifiedBy = lastModifiedBy
    }

    private enum CodingKeys: String, CodingKey {
        case id, version, entityType, entityId, destination, destinationId, configData, authorized, enabled
        case triggerType, integrationCredentialsId, name, dtCreated, dtLastModified, createdBy, lastModifiedBy
    }

    /// Decodes the config leniently (see ``init(json:)``), whatever the JSON came through.
    public init(from decoder: any Decoder) throws {
        let value = try JSONValue(from: decoder)
        guard let config = IntegrationConfig(json: value) else {
            let context = DecodingError.Context(codingPath: decoder.codingPath, debugDescription: "no string 'id'")
            guard case .object(let members) = value, members["id"] != nil else {
                throw value.objectValue == nil
                    ? DecodingError.typeMismatch(IntegrationConfig.self, context)
                    : DecodingError.keyNotFound(CodingKeys.id, context)
            }
            throw DecodingError.typeMismatch(String.self, context)
        }
        self = config
    }

    /// The config a JSON object describes, read leniently: unknown keys are ignored, and a member
    /// that is absent, `null` or of the wrong type counts as absent. `nil` when it is not an object
    /// with a string `id`.
    public init?(json: JSONValue) {
        guard case .object(let members) = json, case .string(let id)? = members["id"] else { return nil }
        func string(_ key: String) -> String? { members[key]?.stringValue }
        func bool(_ key: String) -> Bool? { members[key]?.boolValue }
        let version: Int64 =
            switch members["version"] {
            case .integer(let number)?: number
            case .double(let number)?: Int64(exactly: number) ?? 0
            default: 0
            }
        self.init(
            id: id, version: version, entityType: string("entityType") ?? "", entityId: string("entityId"),
            destination: string("destination") ?? "", destinationId: string("destinationId"),
            configData: members["configData"]?.objectValue, authorized: bool("authorized"), enabled: bool("enabled"),
            triggerType: string("triggerType"), integrationCredentialsId: string("integrationCredentialsId"),
            name: string("name"), dtCreated: string("dtCreated"), dtLastModified: string("dtLastModified"),
            createdBy: string("createdBy"), lastModifiedBy: string("lastModifiedBy"))
    }

    /// The value of a writable field, as JSON (`nil` when absent).
    public func value(of field: ConfigField) -> JSONValue? {
        switch field {
        case .name: name.map(JSONValue.string)
        case .entityType: .string(entityType)
        case .entityId: entityId.map(JSONValue.string)
        case .destination: .string(destination)
        case .destinationId: destinationId.map(JSONValue.string)
        case .integrationCredentialsId: integrationCredentialsId.map(JSONValue.string)
        case .configData: configData.map(JSONValue.object)
        }
    }

    /// The body of `PUT …/integrationconfigs/{id}`: every writable field plus `version`.
    ///
    /// The PUT replaces the whole object, so every writable field is sent; absent optionals are
    /// omitted (which the API treats as cleared) and `configData` defaults to `{}`.
    public var updateBody: UpdateBody {
        UpdateBody(
            entityType: entityType, entityId: entityId, destination: destination, destinationId: destinationId,
            configData: configData ?? [:], integrationCredentialsId: integrationCredentialsId, name: name,
            version: version
        )
    }
}

/// The request body of an IntegrationConfig update (`IntegrationConfigRequest`).
public struct UpdateBody: Sendable, Hashable, Codable {
    public var entityType: String
    public var entityId: String?
    public var destination: String
    public var destinationId: String?
    public var configData: [String: JSONValue]
    public var integrationCredentialsId: String?
    public var name: String?
    public var version: Int64
}

/// The fields of an IntegrationConfig that a change list may set (the writable ones).
public enum ConfigField: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case name, entityType, entityId, destination, destinationId, integrationCredentialsId, configData

    /// Fields the API requires to be non-empty and to match `^[a-zA-Z0-9_-]*$`.
    public var isRequired: Bool { self == .entityType || self == .destination }

    /// Fields whose value must be a UUID when set.
    public var isUUID: Bool { self == .entityId || self == .destinationId || self == .integrationCredentialsId }

    /// The place of the field in the declaration order (what `<` compares).
    var ordinal: Int {
        switch self {
        case .name: 0
        case .entityType: 1
        case .entityId: 2
        case .destination: 3
        case .destinationId: 4
        case .integrationCredentialsId: 5
        case .configData: 6
        }
    }

    public static func < (lhs: ConfigField, rhs: ConfigField) -> Bool {
        lhs.ordinal < rhs.ordinal
    }
}
