import Foundation

/// One API request as the sandbox's core sees it, independent of the HTTP server.
struct APIRequest: Sendable {
    var method: String
    var path: String
    var query: [String: String]
    var authorization: String?
    var contentType: String?
    var body: Data
}

/// The core's answer to one API request.
struct APIResponse: Sendable {
    var status: Int
    var body: Data
    var headers: [String: String] = [:]
    /// The lost-response fault: the write committed, lose its response this way.
    var lostResponse: LostResponseMode?

    static func json(_ status: Int, _ value: some Encodable, headers: [String: String] = [:]) -> APIResponse {
        let body = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return APIResponse(status: status, body: body, headers: headers)
    }

    /// m3ter's error shape: `{"message": "…"}`.
    static func error(_ status: Int, _ message: String, headers: [String: String] = [:]) -> APIResponse {
        json(status, ["message": message], headers: headers)
    }

    /// What a load balancer or gateway answers when the backend's response does not reach it: 502 or
    /// 504 with an HTML page, not the API's JSON.
    static func gateway(_ status: Int) -> APIResponse {
        let title = status == 504 ? "504 Gateway Timeout" : "\(status) Bad Gateway"
        let page =
            "<html>\r\n<head><title>\(title)</title></head>\r\n<body>\r\n<center><h1>\(title)</h1></center>\r\n"
            + "</body>\r\n</html>\r\n"
        return APIResponse(status: status, body: Data(page.utf8), headers: ["Content-Type": "text/html"])
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}

/// The operation a request path and method name.
enum APIRoute: Equatable {
    case token
    case list(org: String)
    case create(org: String)
    case get(org: String, id: String)
    case update(org: String, id: String)
    case delete(org: String, id: String)
    case enable(org: String, id: String)
    case methodNotAllowed(org: String?)
    case notFound

    init(method: String, path: String) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        switch (method, parts.count) {
        case (_, 2) where parts == ["oauth", "token"]:
            self = method == "POST" ? .token : .methodNotAllowed(org: nil)
        case (_, 3...5) where parts[0] == "organizations" && parts[2] == "integrationconfigs":
            let org = parts[1]
            switch (method, parts.count) {
            case ("GET", 3): self = .list(org: org)
            case ("POST", 3): self = .create(org: org)
            case ("GET", 4): self = .get(org: org, id: parts[3])
            case ("PUT", 4): self = .update(org: org, id: parts[3])
            case ("DELETE", 4): self = .delete(org: org, id: parts[3])
            case ("POST", 5) where parts[4] == "enable": self = .enable(org: org, id: parts[3])
            case (_, 5) where parts[4] != "enable": self = .notFound
            default: self = .methodNotAllowed(org: org)
            }
        default:
            self = .notFound
        }
    }

    /// The org in the path, for org-scoped routes.
    var org: String? {
        switch self {
        case .list(let org), .create(let org), .get(let org, _), .update(let org, _), .delete(let org, _),
            .enable(let org, _):
            org
        case .methodNotAllowed(let org): org
        case .token, .notFound: nil
        }
    }

    /// Whether a success changes state.
    var isWrite: Bool {
        switch self {
        case .create, .update, .delete, .enable: true
        default: false
        }
    }

    /// The stats key, e.g. `PUT /organizations/{orgId}/integrationconfigs/{id}`.
    func statsKey(method: String) -> String {
        let base = "/organizations/{orgId}/integrationconfigs"
        return switch self {
        case .token: "POST /oauth/token"
        case .list: "GET \(base)"
        case .create: "POST \(base)"
        case .get: "GET \(base)/{id}"
        case .update: "PUT \(base)/{id}"
        case .delete: "DELETE \(base)/{id}"
        case .enable: "POST \(base)/{id}/enable"
        case .methodNotAllowed, .notFound: "\(method) (unknown route)"
        }
    }
}
