import Foundation

/// A validated `IntegrationConfigRequest` body (create and update), checked as strictly as m3ter.
///
/// `entityType` and `destination` are required, non-empty and match `^[a-zA-Z0-9_-]*$`;
/// `entityId`, `destinationId` and `integrationCredentialsId` must be UUIDs when given;
/// `configData` must be an object (absent or null means `{}`); `credentials`, when given, must be an
/// object with a known `type`. Unknown and read-only keys are ignored.
struct ConfigRequest: Equatable {
    var entityType: String
    var entityId: String?
    var destination: String
    var destinationId: String?
    var configData: [String: SandboxJSON]
    var integrationCredentialsId: String?
    var name: String?
    /// The `version` member, when present and an integer.
    var version: Int64?

    /// The credential types the spec's `IntegrationCredentialsRequestBase.type` enumerates.
    static let credentialTypes: Set<String> = [
        "HTTP_BASIC", "OAUTH_CLIENT_CREDENTIALS", "M3TER_SIGNED_REQUEST", "AWS_INTEGRATION", "PADDLE_AUTH",
        "NETSUITE_AUTH", "CHARGEBEE_AUTH", "M3TER_APP_SIGNATURE", "M3TER_SERVICE_USER", "STRIPE_SIGNED_REQUEST",
        "HUBSPOT_ACCESS_TOKEN", "HUBSPOT_CLIENT_SECRET", "OPSGENIE_KEY", "SAP_BYD", "SLACK_WEBHOOK",
        "SAGE_INTACCT_CLIENT_CREDENTIALS", "SAGE_INTACCT_CLIENT_SECRET", "STATIC_API_KEY",
    ]

    /// Parses and validates a request body; on failure, the message lists every problem found.
    static func parse(_ body: Data) -> Result<ConfigRequest, RequestProblem> {
        guard !body.isEmpty else { return .failure(RequestProblem("Request body is required")) }
        guard let json = try? JSONDecoder().decode(SandboxJSON.self, from: body) else {
            return .failure(RequestProblem("Request body is not valid JSON"))
        }
        guard let object = json.objectValue else {
            return .failure(RequestProblem("Request body must be a JSON object, got \(json.typeName)"))
        }
        var problems: [String] = []
        let entityType = requiredName("entityType", in: object, problems: &problems)
        let destination = requiredName("destination", in: object, problems: &problems)
        let entityId = optionalUUID("entityId", in: object, problems: &problems)
        let destinationId = optionalUUID("destinationId", in: object, problems: &problems)
        let credentialsId = optionalUUID("integrationCredentialsId", in: object, problems: &problems)
        var name: String?
        switch object["name"] {
        case nil, .null: break
        case .string(let value): name = value
        case let other?: problems.append("name must be a string, got \(other.typeName)")
        }
        var configData: [String: SandboxJSON] = [:]
        switch object["configData"] {
        case nil, .null: break
        case .object(let value): configData = value
        case let other?: problems.append("configData must be an object, got \(other.typeName)")
        }
        switch object["credentials"] {
        case nil, .null: break
        case .object(let value):
            if let type = value["type"]?.stringValue, !type.isEmpty {
                if !credentialTypes.contains(type) { problems.append("credentials.type '\(type)' is not a known type") }
            } else {
                problems.append("credentials.type is required")
            }
        case let other?: problems.append("credentials must be an object, got \(other.typeName)")
        }
        var version: Int64?
        switch object["version"] {
        case nil, .null: break
        case .int(let value): version = value
        case .double(let value) where value == value.rounded() && abs(value) < 1e15: version = Int64(value)
        case let other?: problems.append("version must be an integer, got \(other.typeName)")
        }
        guard problems.isEmpty else { return .failure(RequestProblem(problems.joined(separator: "; "))) }
        return .success(
            ConfigRequest(
                entityType: entityType, entityId: entityId, destination: destination, destinationId: destinationId,
                configData: configData, integrationCredentialsId: credentialsId, name: name, version: version
            )
        )
    }

    private static func requiredName(
        _ key: String, in object: [String: SandboxJSON], problems: inout [String]
    ) -> String {
        switch object[key] {
        case nil, .null:
            problems.append("\(key) is required")
        case .string(let value) where value.isEmpty:
            problems.append("\(key) must not be empty")
        case .string(let value) where !value.allSatisfy(isNameCharacter):
            problems.append("\(key) '\(value)' must match ^[a-zA-Z0-9_-]*$")
        case .string(let value):
            return value
        case let other?:
            problems.append("\(key) must be a string, got \(other.typeName)")
        }
        return ""
    }

    private static func optionalUUID(
        _ key: String, in object: [String: SandboxJSON], problems: inout [String]
    ) -> String? {
        switch object[key] {
        case nil, .null:
            return nil
        case .string(let value) where isUUID(value):
            return value
        case .string(let value):
            problems.append("\(key) '\(value)' is not a valid UUID")
        case let other?:
            problems.append("\(key) must be a string, got \(other.typeName)")
        }
        return nil
    }

    private static func isNameCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "_" || c == "-")
    }

    /// A UUID in its canonical 8-4-4-4-12 hexadecimal form.
    static func isUUID(_ text: String) -> Bool {
        text.utf8.count == 36 && UUID(uuidString: text) != nil
    }
}

/// A request the API refuses with 400, and why.
struct RequestProblem: Error, Equatable {
    var message: String
    init(_ message: String) { self.message = message }
}
