import Foundation

/// One IntegrationConfig as the sandbox stores and returns it (`IntegrationConfigResponse`).
///
/// Property names are the API's field names. Encoding always writes every response field of the
/// spec, with `null` for an absent optional, so clients see the full shape m3ter documents.
/// Decoding (seed files, `insert`) requires `id`, `entityType` and `destination` and defaults the rest.
public struct SandboxConfig: Sendable, Hashable, Codable {
    /// The config's UUID.
    public var id: String
    /// Optimistic-locking version: 1 on create, + 1 on every update and enable.
    public var version: Int64
    /// The entity type, e.g. `Bill` or `Notification`.
    public var entityType: String
    /// The entity's UUID, when the config is for one entity.
    public var entityId: String?
    /// The destination system, e.g. `Stripe`, `Netsuite`, `Xero`, `Webhook`.
    public var destination: String
    /// The destination's UUID (e.g. a webhook).
    public var destinationId: String?
    /// Free-form configuration; may hold secret-looking keys.
    public var configData: [String: SandboxJSON]
    /// Whether the integration is authorized (read-only in the API).
    public var authorized: Bool
    /// Whether the integration is enabled (read-only; `POST …/enable` sets it).
    public var enabled: Bool
    /// Deprecated trigger type, `EVENT` or `SCHEDULE`.
    public var triggerType: String?
    /// The UUID of the credentials the integration uses.
    public var integrationCredentialsId: String?
    /// The config's display name.
    public var name: String?
    /// Creation time, ISO-8601 UTC with milliseconds.
    public var dtCreated: String
    /// Last modification time, ISO-8601 UTC with milliseconds.
    public var dtLastModified: String
    /// The id of the user who created the config.
    public var createdBy: String
    /// The id of the user who last modified the config.
    public var lastModifiedBy: String

    /// A config with every field given; timestamps are ISO-8601 strings (`2025-01-31T12:00:00.000Z`).
    public init(
        id: String = UUID().uuidString.lowercased(), version: Int64 = 1, entityType: String, entityId: String? = nil,
        destination: String, destinationId: String? = nil, configData: [String: SandboxJSON] = [:],
        authorized: Bool = true, enabled: Bool = true, triggerType: String? = "EVENT",
        integrationCredentialsId: String? = nil, name: String? = nil,
        dtCreated: String = SandboxTime.format(Date()), dtLastModified: String? = nil,
        createdBy: String = SandboxOptions.defaultUserId, lastModifiedBy: String? = nil
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
        self.dtLastModified = dtLastModified ?? dtCreated
        self.createdBy = createdBy
        self.lastModifiedBy = lastModifiedBy ?? createdBy
    }

    private enum CodingKeys: String, CodingKey {
        case id, version, entityType, entityId, destination, destinationId, configData, authorized, enabled
        case triggerType, integrationCredentialsId, name, dtCreated, dtLastModified, createdBy, lastModifiedBy
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let created = try c.decodeIfPresent(String.self, forKey: .dtCreated) ?? SandboxTime.format(Date())
        let creator = try c.decodeIfPresent(String.self, forKey: .createdBy) ?? SandboxOptions.defaultUserId
        self.init(
            id: try c.decode(String.self, forKey: .id),
            version: try c.decodeIfPresent(Int64.self, forKey: .version) ?? 1,
            entityType: try c.decode(String.self, forKey: .entityType),
            entityId: try c.decodeIfPresent(String.self, forKey: .entityId),
            destination: try c.decode(String.self, forKey: .destination),
            destinationId: try c.decodeIfPresent(String.self, forKey: .destinationId),
            configData: try c.decodeIfPresent([String: SandboxJSON].self, forKey: .configData) ?? [:],
            authorized: try c.decodeIfPresent(Bool.self, forKey: .authorized) ?? true,
            enabled: try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? true,
            triggerType: try c.decodeIfPresent(String.self, forKey: .triggerType),
            integrationCredentialsId: try c.decodeIfPresent(String.self, forKey: .integrationCredentialsId),
            name: try c.decodeIfPresent(String.self, forKey: .name),
            dtCreated: created,
            dtLastModified: try c.decodeIfPresent(String.self, forKey: .dtLastModified),
            createdBy: creator,
            lastModifiedBy: try c.decodeIfPresent(String.self, forKey: .lastModifiedBy)
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(version, forKey: .version)
        try c.encode(entityType, forKey: .entityType)
        try c.encode(entityId, forKey: .entityId)
        try c.encode(destination, forKey: .destination)
        try c.encode(destinationId, forKey: .destinationId)
        try c.encode(configData, forKey: .configData)
        try c.encode(authorized, forKey: .authorized)
        try c.encode(enabled, forKey: .enabled)
        try c.encode(triggerType, forKey: .triggerType)
        try c.encode(integrationCredentialsId, forKey: .integrationCredentialsId)
        try c.encode(name, forKey: .name)
        try c.encode(dtCreated, forKey: .dtCreated)
        try c.encode(dtLastModified, forKey: .dtLastModified)
        try c.encode(createdBy, forKey: .createdBy)
        try c.encode(lastModifiedBy, forKey: .lastModifiedBy)
    }
}
