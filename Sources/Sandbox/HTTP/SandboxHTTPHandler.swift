import FlyingFox
import Foundation

/// Turns FlyingFox requests into `APIRequest`s for the store, applies latency, serves the admin
/// routes under `/_sandbox/`, and carries out the lost-response fault.
struct SandboxHTTPHandler: HTTPHandler {
    let store: SandboxStore
    let orgId: String

    func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        guard let body = try? await request.bodyData else {
            return Self.http(.error(400, "The request body could not be read"))
        }
        if request.path == "/_sandbox" || request.path.hasPrefix("/_sandbox/") {
            return Self.http(await admin(request, body: body))
        }
        let delay = await store.begin()
        if delay > .zero { try? await Task.sleep(for: delay) }
        var query: [String: String] = [:]
        for item in request.query where query[item.name] == nil { query[item.name] = item.value }
        let response = await store.finish(
            APIRequest(
                method: request.method.rawValue, path: request.path, query: query,
                authorization: request.headers[.authorization], contentType: request.headers[.contentType],
                body: body
            )
        )
        switch response.lostResponse {
        case .truncated?: return LostResponse.truncated(status: response.status, body: response.body)
        case .empty?: return LostResponse.empty()
        case nil: break
        }
        return Self.http(response)
    }

    private static func http(_ response: APIResponse) -> HTTPResponse {
        var headers: HTTPHeaders = [.contentType: "application/json"]
        for (name, value) in response.headers { headers[HTTPHeader(name)] = value }
        return HTTPResponse(
            statusCode: HTTPStatusCode(response.status, phrase: phrase(response.status)), headers: headers,
            body: response.body
        )
    }

    private static func phrase(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 409: "Conflict"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 504: "Gateway Timeout"
        default: "Status \(status)"
        }
    }

    // MARK: Admin routes (never rate limited, never counted)

    private func admin(_ request: HTTPRequest, body: Data) async -> APIResponse {
        switch (request.method.rawValue, request.path) {
        case ("GET", "/_sandbox/state"):
            return .json(200, StateFile(orgId: orgId, configs: await store.configs()))
        case ("GET", "/_sandbox/stats"):
            return .json(200, await store.stats())
        case ("GET", "/_sandbox/faults"):
            return .json(200, await store.faults())
        case ("PUT", "/_sandbox/faults"), ("POST", "/_sandbox/faults"), ("PATCH", "/_sandbox/faults"):
            let merged = request.method.rawValue == "PUT" ? body : Self.merge(await store.faults(), body)
            guard let merged, let faults = try? JSONDecoder().decode(SandboxFaults.self, from: merged) else {
                return .error(400, "faults must be a JSON object with the fields of GET /_sandbox/faults")
            }
            let problems = faults.problems
            guard problems.isEmpty else { return .error(400, problems.joined(separator: "; ")) }
            await store.setFaults(faults)
            return .json(200, faults)
        case ("POST", "/_sandbox/reset"):
            await store.reset()
            return .json(200, ["configs": await store.configs().count])
        case ("POST", "/_sandbox/configs"):
            guard let config = try? JSONDecoder().decode(SandboxConfig.self, from: body) else {
                return .error(400, "body must be a config with at least id, entityType and destination")
            }
            await store.insert(config)
            return .json(200, config)
        default:
            return .error(
                404,
                "Unknown admin route \(request.method.rawValue) \(request.path); try GET /_sandbox/state, "
                    + "GET /_sandbox/stats, GET|PUT|PATCH /_sandbox/faults, POST /_sandbox/reset, POST /_sandbox/configs"
            )
        }
    }

    /// `body`'s members laid over the current faults; nil when `body` is not a JSON object.
    private static func merge(_ current: SandboxFaults, _ body: Data) -> Data? {
        guard let patch = try? JSONDecoder().decode(SandboxJSON.self, from: body).objectValue,
            let encoded = try? JSONEncoder().encode(current),
            var base = try? JSONDecoder().decode(SandboxJSON.self, from: encoded).objectValue
        else { return nil }
        base.merge(patch) { _, new in new }
        return try? JSONEncoder().encode(SandboxJSON.object(base))
    }
}
