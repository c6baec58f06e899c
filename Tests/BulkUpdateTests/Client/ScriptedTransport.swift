import Foundation
import Planner
import TestSupport

@testable import BulkUpdate

/// A closure-based ``HTTPTransport`` for client tests: records every request and answers with the
/// handler, which also gets how many earlier requests went to the same method and path.
final class ScriptedTransport: HTTPTransport, @unchecked Sendable {
    typealias Handler = @Sendable (HTTPRequest, Int) async throws(APIError) -> HTTPResponse

    private let lock = NSLock()
    private var log: [HTTPRequest] = []
    private let handler: Handler

    init(_ handler: @escaping Handler) {
        self.handler = handler
    }

    func send(_ request: HTTPRequest) async throws(APIError) -> HTTPResponse {
        let previous = lock.withLock {
            let count = log.count { $0.method == request.method && $0.url.path == request.url.path }
            log.append(request)
            return count
        }
        return try await handler(request, previous)
    }

    /// Every request received, in order.
    var requests: [HTTPRequest] { lock.withLock { log } }

    /// Requests to the token endpoint.
    var tokenRequests: [HTTPRequest] { requests.filter { $0.url.path.hasSuffix("/oauth/token") } }

    /// Requests other than token exchanges.
    var apiRequests: [HTTPRequest] { requests.filter { !$0.url.path.hasSuffix("/oauth/token") } }
}

/// Builders shared by the client tests.
enum ClientFixture {
    static let apiKey = "key-AKIA-0001"
    static let apiSecret = "secret-s3cr3t-0002"
    static let orgId = "org-1"
    static let configsPath = "/organizations/org-1/integrationconfigs"

    static func settings() throws -> ConnectionSettings {
        try ConnectionSettings(baseURL: "https://api.example.test", orgId: orgId)
    }

    static func response(_ status: Int, _ body: String = "", headers: [String: String] = [:]) -> HTTPResponse {
        HTTPResponse(status: status, headers: headers, body: Data(body.utf8))
    }

    static func token(_ value: String = "bearer-token-1", expiresIn: Int = 18000) -> HTTPResponse {
        response(200, #"{"access_token":"\#(value)","token_type":"Bearer","expires_in":\#(expiresIn)}"#)
    }

    static func configJSON(_ id: String, version: Int = 1, extra: String = "") -> String {
        #"{"id":"\#(id)","version":\#(version),"entityType":"Bill","destination":"Webhook","name":"c \#(id)"\#(extra)}"#
    }

    /// The handler answering token requests with `token()` and everything else with `api`.
    static func withToken(
        _ api: @escaping @Sendable (HTTPRequest, Int) async throws(APIError) -> HTTPResponse
    ) -> ScriptedTransport.Handler {
        { request, count throws(APIError) in
            if request.url.path.hasSuffix("/oauth/token") { return token("bearer-token-\(count + 1)") }
            return try await api(request, count)
        }
    }

    static func client(
        _ transport: ScriptedTransport, credentials: Credentials = Credentials(apiKey: apiKey, apiSecret: apiSecret),
        clock: ManualClock = ManualClock(autoAdvance: true), limiterClock: ManualClock? = nil, rate: Double = 1_000,
        retry: RetryPolicy = RetryPolicy(), metrics: RequestMetrics? = nil, recovery: Double? = nil,
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws -> M3terClient {
        M3terClient(
            settings: try settings(), credentials: credentials, transport: transport,
            limiter: RateLimiter(
                rate: rate, recoveryPerSecond: recovery, clock: limiterClock ?? clock, secondPhase: .zero),
            retry: retry,
            metrics: metrics ?? RequestMetrics(clock: clock), clock: clock, random: SplitMix64(seed: 3), now: now
        )
    }

    /// The query items of a request, decoded.
    static func query(_ request: HTTPRequest) -> [String: String] {
        let items = URLComponents(url: request.url, resolvingAgainstBaseURL: false)?.queryItems ?? []
        return Dictionary(items.map { ($0.name, $0.value ?? "") }) { first, _ in first }
    }
}
