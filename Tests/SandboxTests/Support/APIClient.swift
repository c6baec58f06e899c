import Foundation
import Sandbox

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A minimal HTTP client for the tests: real URLSession requests to a running sandbox.
struct APIClient {
    struct Response {
        var status: Int
        var data: Data
        var headers: [String: String]

        /// The body as a JSON object (empty when it is not one).
        var object: [String: Any] { (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:] }
        /// The `message` of an error body.
        var message: String { object["message"] as? String ?? "" }

        func decode<T: Decodable>(_ type: T.Type) throws -> T { try JSONDecoder().decode(type, from: data) }
    }

    let baseURL: URL
    let orgId: String
    let session: URLSession
    var token: String?

    init(_ server: SandboxServer, connections: Int = 8) {
        baseURL = server.baseURL
        orgId = server.orgId
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = connections
        configuration.timeoutIntervalForRequest = 30
        session = URLSession(configuration: configuration)
    }

    /// The collection path of `org` (default: the sandbox's).
    func configsPath(org: String? = nil) -> String { "/organizations/\(org ?? orgId)/integrationconfigs" }

    /// Sends one request; `body` is JSON-encoded unless it is already `Data`.
    func send(
        _ method: String, _ path: String, query: [String: String] = [:], json body: Any? = nil,
        headers: [String: String] = [:], bearer: Bool = true
    ) async throws -> Response {
        var components = URLComponents(url: baseURL.appendingPathComponent(path), resolvingAgainstBaseURL: false)
        if !query.isEmpty {
            components?.queryItems = query.sorted { $0.key < $1.key }.map {
                URLQueryItem(name: $0.key, value: $0.value)
            }
        }
        guard let url = components?.url else { throw URLError(.badURL) }
        var request = URLRequest(url: url)
        request.httpMethod = method
        if bearer, let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body {
            request.httpBody = try (body as? Data) ?? JSONSerialization.data(withJSONObject: body)
            if request.value(forHTTPHeaderField: "Content-Type") == nil {
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            }
        }
        let (data, response) = try await session.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw URLError(.badServerResponse) }
        var fields: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { fields[key.lowercased()] = value }
        }
        return Response(status: http.statusCode, data: data, headers: fields)
    }

    /// Exchanges key and secret for a token (form-encoded, as the SDKs do).
    func requestToken(key: String, secret: String, body: String = "grant_type=client_credentials") async throws
        -> Response
    {
        let basic = Data("\(key):\(secret)".utf8).base64EncodedString()
        return try await send(
            "POST", "/oauth/token", json: Data(body.utf8),
            headers: ["Authorization": "Basic \(basic)", "Content-Type": "application/x-www-form-urlencoded"],
            bearer: false
        )
    }

    /// A client holding a fresh token for `server`.
    static func authorized(_ server: SandboxServer, connections: Int = 8) async throws -> APIClient {
        var client = APIClient(server, connections: connections)
        let response = try await client.requestToken(key: server.apiKey, secret: server.apiSecret)
        client.token = response.object["access_token"] as? String
        return client
    }

    /// Every config by following `nextToken`.
    func listAll(pageSize: Int = 200, destinationId: String? = nil) async throws -> (pages: Int, ids: [String]) {
        var ids: [String] = []
        var next: String?
        var pages = 0
        repeat {
            var query = ["pageSize": String(pageSize)]
            if let next { query["nextToken"] = next }
            if let destinationId { query["destinationId"] = destinationId }
            let response = try await send("GET", configsPath(), query: query)
            guard response.status == 200 else { throw URLError(.badServerResponse) }
            let page = response.object
            ids += (page["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            next = page["nextToken"] as? String
            pages += 1
        } while next != nil
        return (pages, ids)
    }
}

/// A settable clock for token expiry and rate windows.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = start }

    var now: Date { lock.withLock { current } }

    func advance(_ seconds: TimeInterval) { lock.withLock { current += seconds } }
}

/// The full `PUT`/`POST` body of a config, as a JSON object.
func requestBody(of config: SandboxConfig, version: Int64? = nil) -> [String: Any] {
    var body: [String: Any] = [
        "entityType": config.entityType, "destination": config.destination,
        "configData": (try? JSONSerialization.jsonObject(with: JSONEncoder().encode(config.configData))) ?? [:],
    ]
    body["entityId"] = config.entityId
    body["destinationId"] = config.destinationId
    body["integrationCredentialsId"] = config.integrationCredentialsId
    body["name"] = config.name
    body["version"] = version ?? config.version
    return body
}

/// The response fields of `IntegrationConfigResponse`, every one of which the sandbox returns.
let specResponseFields: Set<String> = [
    "id", "version", "entityType", "entityId", "destination", "destinationId", "configData", "authorized", "enabled",
    "triggerType", "integrationCredentialsId", "name", "dtCreated", "dtLastModified", "createdBy", "lastModifiedBy",
]
