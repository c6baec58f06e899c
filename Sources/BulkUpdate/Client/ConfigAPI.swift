import Planner

/// The IntegrationConfig operations the engine needs; `M3terClient` implements them over HTTP.
///
/// Reads (`listConfigs`, `getConfig`) retry retryable failures themselves. Writes retry only what
/// certainly did not reach the server (429, a refused connection, one token refresh on 401/403);
/// any failure after which the write may have committed is thrown as it is, so the executor can
/// re-read before deciding (never a blind resend).
public protocol ConfigAPI: Sendable {
    /// Every config of the org, by a list sweep (`pageSize=200`, following `nextToken`).
    func listConfigs(destinationId: String?) async throws(APIError) -> [IntegrationConfig]
    /// One config by id.
    func getConfig(id: String) async throws(APIError) -> IntegrationConfig
    /// `PUT …/{id}` with the full body; returns the updated config (version + 1).
    func updateConfig(id: String, body: UpdateBody) async throws(APIError) -> IntegrationConfig
    /// `POST …/{id}/enable`; returns the enabled config.
    func enableConfig(id: String) async throws(APIError) -> IntegrationConfig
}

/// A failure talking to the m3ter API, with what the user needs to act on it.
public enum APIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The API answered with a status that is not retried (or retries ran out).
    case http(status: Int, message: String)
    /// The config's version moved (400 with a version message, or 409).
    case versionConflict(status: Int, message: String)
    /// 404: no such config.
    case notFound(message: String)
    /// 401/403 that persisted after a token refresh, or the token exchange was refused.
    case authentication(status: Int, message: String)
    /// No HTTP response. `requestSent`: the request may have reached the server (a timeout or a
    /// dropped connection after sending), so a write may have committed.
    case transport(message: String, requestSent: Bool)
    /// The response could not be decoded.
    case decoding(message: String)
    /// The task was cancelled.
    case cancelled

    public var description: String {
        switch self {
        case .http(let status, let message): "HTTP \(status): \(message)"
        case .versionConflict(let status, let message): "version conflict (HTTP \(status)): \(message)"
        case .notFound(let message): "not found (HTTP 404): \(message)"
        case .authentication(let status, let message):
            "authentication refused (HTTP \(status)): \(message); check M3TER_API_KEY/M3TER_API_SECRET or M3TER_API_TOKEN"
        case .transport(let message, _): "connection failed: \(message)"
        case .decoding(let message): "unexpected response: \(message)"
        case .cancelled: "cancelled"
        }
    }

    /// The HTTP status, when there was a response.
    public var status: Int? {
        switch self {
        case .http(let status, _), .versionConflict(let status, _), .authentication(let status, _): status
        case .notFound: 404
        case .transport, .decoding, .cancelled: nil
        }
    }
}
