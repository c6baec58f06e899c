import Foundation
import Planner

/// ``ConfigAPI`` over HTTP against m3ter (or the sandbox): auth, one shared rate limiter, retries.
///
/// Every request — token exchange, list page, GET, PUT, enable, and every retry — first takes a
/// permit from ``limiter``. Reads retry per ``RetryPolicy`` (408, 429, 5xx, transport errors).
/// Writes retry only on 429 and on a connection that was never made; anything after which a write
/// may have committed is thrown, so the executor re-reads before deciding. A 401/403 gets one
/// token refresh and one resend (the server did not process a refused request); if it persists
/// the error is ``APIError/authentication(status:message:)``. A 429 also tells the limiter.
/// No message this client produces contains a credential or token.
public actor M3terClient: ConfigAPI {
    /// The `User-Agent` of every request.
    public static let userAgent = "bulk-update (swift)"

    /// The page size of the list sweep (the API's maximum).
    public static let pageSize = 200

    /// Where requests go.
    public nonisolated let settings: ConnectionSettings
    /// The run's one rate limiter.
    public nonisolated let limiter: RateLimiter
    /// The run's request counters.
    public nonisolated let metrics: RequestMetrics
    /// The retry policy in force.
    public nonisolated let retry: RetryPolicy

    private let credentials: Credentials
    private let transport: any HTTPTransport
    private let tokens: TokenProvider
    private let clock: ErasedClock
    private let now: @Sendable () -> Date
    private var generator: any RandomNumberGenerator

    /// A client.
    ///
    /// - Parameters:
    ///   - transport: sends the requests (``URLSessionTransport`` in production).
    ///   - limiter: the rate limiter shared by every request of the run.
    ///   - clock: for backoff waits and token expiry (a manual clock in tests).
    ///   - random: the jitter source (a seeded generator in tests).
    ///   - now: the wall clock, against which a `Retry-After` date is measured.
    public init(
        settings: ConnectionSettings, credentials: Credentials, transport: any HTTPTransport,
        limiter: RateLimiter = RateLimiter(), retry: RetryPolicy = RetryPolicy(),
        metrics: RequestMetrics = RequestMetrics(), clock: some Clock<Duration> = ContinuousClock(),
        random: some RandomNumberGenerator & Sendable = SystemRandomNumberGenerator(),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.settings = settings
        self.credentials = credentials
        self.transport = transport
        self.limiter = limiter
        self.retry = retry
        self.metrics = metrics
        self.tokens = TokenProvider(credentials: credentials, clock: clock)
        self.clock = ErasedClock(clock)
        self.now = now
        self.generator = random
    }

    /// A production client: URLSession with `concurrency` connections, a limiter at `rate` requests/s.
    public static func live(
        settings: ConnectionSettings, credentials: Credentials, rate: Double = RateLimiter.defaultRate,
        concurrency: Int = 16, timeout: TimeInterval = 30, retry: RetryPolicy = RetryPolicy()
    ) -> M3terClient {
        M3terClient(
            settings: settings, credentials: credentials,
            transport: URLSessionTransport(maxConnections: concurrency, timeout: timeout),
            limiter: RateLimiter(rate: rate), retry: retry
        )
    }

    // MARK: - ConfigAPI

    public func listConfigs(destinationId: String?) async throws(APIError) -> [IntegrationConfig] {
        var configs: [IntegrationConfig] = []
        var nextToken: String?
        var seenTokens: Set<String> = []
        repeat {
            var query = [("pageSize", String(Self.pageSize))]
            if let destinationId { query.append(("destinationId", destinationId)) }
            if let nextToken { query.append(("nextToken", nextToken)) }
            let url = Self.url(settings.configsURL, query: query)
            let response = try await perform(HTTPRequest(method: .get, url: url, headers: jsonHeaders), kind: .read)
            let page = try Self.configPage(from: response.body)
            configs.append(contentsOf: page.configs)
            nextToken = page.nextToken
            if let token = nextToken, !seenTokens.insert(token).inserted {
                throw .decoding(message: "the config list repeats a nextToken; stopping the sweep")
            }
        } while nextToken != nil
        return configs
    }

    public func getConfig(id: String) async throws(APIError) -> IntegrationConfig {
        let request = HTTPRequest(method: .get, url: try configURL(id), headers: jsonHeaders)
        return try Self.config(from: try await perform(request, kind: .read).body, what: "config \(id)")
    }

    public func updateConfig(id: String, body: UpdateBody) async throws(APIError) -> IntegrationConfig {
        let data: Data
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            data = try encoder.encode(body)
        } catch {
            throw .decoding(message: "could not encode the update of config \(id)")
        }
        var headers = jsonHeaders
        headers["Content-Type"] = "application/json"
        let request = HTTPRequest(method: .put, url: try configURL(id), headers: headers, body: data)
        return try await written(try await perform(request, kind: .write), id: id)
    }

    public func enableConfig(id: String) async throws(APIError) -> IntegrationConfig {
        let url = try configURL(id).appendingPathComponent("enable")
        let request = HTTPRequest(method: .post, url: url, headers: jsonHeaders)
        return try await written(try await perform(request, kind: .write), id: id)
    }

    /// The config a successful write answered with.
    ///
    /// The write has committed by now, so a body that is not a config (empty, or another shape) must
    /// not turn it into a failure: the config is read back instead.
    private func written(_ response: HTTPResponse, id: String) async throws(APIError) -> IntegrationConfig {
        if let config = try? Self.config(from: response.body, what: "config \(id)") { return config }
        return try await getConfig(id: id)
    }

    // MARK: - Authentication

    /// Makes sure the credentials are accepted (exchanges a token unless `M3TER_API_TOKEN` is set).
    ///
    /// Call it before any write so that bad credentials stop the run with nothing sent.
    public func authenticate() async throws(APIError) {
        _ = try await currentToken()
    }

    private func currentToken() async throws(APIError) -> String {
        try await tokens.token { [self] () async throws(APIError) -> TokenGrant in
            try await self.exchangeToken()
        }
    }

    private func exchangeToken() async throws(APIError) -> TokenGrant {
        let request = TokenProvider.exchangeRequest(settings: settings, credentials: credentials)
        do {
            let response = try await perform(request, kind: .read, authenticated: false)
            return try TokenGrant.decode(response.body)
        } catch {
            switch error {
            case .authentication(let status, let message):
                throw .authentication(status: status, message: "token exchange refused: \(message)")
            case .http(let status, let message), .versionConflict(let status, let message):
                if (400...499).contains(status), status != 429 {
                    throw .authentication(status: status, message: "token exchange refused: \(message)")
                }
                throw error
            case .notFound(let message):
                throw .authentication(status: 404, message: "no token endpoint at \(settings.tokenURL): \(message)")
            default:
                throw error
            }
        }
    }

    // MARK: - Requests

    /// Sends `request` through the limiter with auth and retries; returns a 2xx response.
    private func perform(
        _ request: HTTPRequest, kind: RetryPolicy.RequestKind, authenticated: Bool = true
    ) async throws(APIError) -> HTTPResponse {
        var attempt = 0
        var sent = 0
        var refreshes = 0
        while true {
            attempt += 1
            var outgoing = request
            if outgoing.header("User-Agent") == nil { outgoing.headers["User-Agent"] = Self.userAgent }
            var token: String?
            // The permit first, then the token: a wait for the limiter must not age the token.
            do {
                try await limiter.acquire()
            } catch {
                throw .cancelled
            }
            var sentAt: Duration?
            if authenticated {
                let current = try await currentToken()
                sentAt = await tokens.now
                token = current
                outgoing.headers["Authorization"] = "Bearer \(current)"
            }
            await metrics.recordRequest(isRetry: sent > 0, isTokenRequest: !authenticated)
            sent += 1

            let outcome: Result<HTTPResponse, APIError>
            do throws(APIError) {
                outcome = .success(try await transport.send(outgoing))
            } catch {
                outcome = .failure(error)
            }

            let failure: RetryPolicy.Failure
            let error: APIError
            var serverDelay: Duration?
            switch outcome {
            case .success(let response):
                if response.isSuccess { return response }
                let message = errorMessage(response, token: token)
                if response.status == 401 || response.status == 403 {
                    // One refresh and one retry; `sentAt` makes the retry's token newer than this attempt.
                    if authenticated, refreshes < 1, tokens.canRefresh, let token {
                        await tokens.invalidate(token, sentAt: sentAt)
                        refreshes += 1
                        attempt -= 1
                        continue
                    }
                    throw .authentication(status: response.status, message: message)
                }
                // A refused token that was replaced and then accepted may expire again later in a long retry.
                refreshes = 0
                if response.status == 429 {
                    await limiter.recordThrottle()
                    await metrics.recordThrottle()
                }
                failure = .status(response.status)
                error = Self.apiError(status: response.status, message: message)
                serverDelay = RetryPolicy.serverDelay(
                    retryAfter: response.header("Retry-After"),
                    retryAfterMilliseconds: response.header("retry-after-ms"), now: now()
                )
            case .failure(let transportError):
                guard case .transport(_, let requestSent) = transportError else { throw transportError }
                failure = .transport(requestSent: requestSent)
                error = transportError
            }

            switch retry.decide(
                after: failure, attempt: attempt, kind: kind, serverDelay: serverDelay, using: &generator)
            {
            case .giveUp:
                throw error
            case .retry(let delay):
                do {
                    try await clock.sleep(for: delay)
                } catch {
                    throw .cancelled
                }
            }
        }
    }

    /// The error for a non-2xx status that is not an auth failure.
    ///
    /// A version conflict is 409, or a 400 whose message mentions the version.
    static func apiError(status: Int, message: String) -> APIError {
        switch status {
        case 404: .notFound(message: message)
        case 409: .versionConflict(status: status, message: message)
        case 400 where message.lowercased().contains("version"): .versionConflict(status: status, message: message)
        default: .http(status: status, message: message)
        }
    }

    /// The `message` of an error body (`{"message": …}`), or its text; never a secret.
    private func errorMessage(_ response: HTTPResponse, token: String?) -> String {
        var message: String
        if let object = try? JSONDecoder().decode(JSONValue.self, from: response.body),
            let text = object.objectValue?["message"]?.stringValue, !text.isEmpty
        {
            message = text
        } else {
            let text = String(decoding: response.body, as: UTF8.self)
                .split(whereSeparator: \.isWhitespace).joined(separator: " ")
            message = text.isEmpty ? "no message" : String(text.prefix(300))
        }
        for secret in credentials.secretValues + [token].compactMap({ $0 }) where secret.count >= 4 {
            message = message.replacingOccurrences(of: secret, with: Secrets.placeholder)
        }
        return message
    }

    private var jsonHeaders: [String: String] { ["Accept": "application/json"] }

    /// `{configs}/{id}`, the id percent-encoded as one path segment.
    private func configURL(_ id: String) throws(APIError) -> URL {
        let segment = id.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? id
        guard let url = URL(string: settings.configsURL.absoluteString + "/" + segment) else {
            throw .transport(message: "cannot build a URL for config id '\(id)'", requestSent: false)
        }
        return url
    }

    /// RFC 3986 unreserved characters: everything else in a path segment or query value is escaped.
    private static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
    )

    /// `base?name=value&…` with every name and value percent-encoded.
    static func url(_ base: URL, query: [(String, String)]) -> URL {
        let text = query.map { name, value in
            let encodedName = name.addingPercentEncoding(withAllowedCharacters: unreserved) ?? name
            let encodedValue = value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? value
            return "\(encodedName)=\(encodedValue)"
        }
        .joined(separator: "&")
        return URL(string: base.absoluteString + (text.isEmpty ? "" : "?" + text)) ?? base
    }

    /// The configs of one page of the list sweep, and the token of the next page (`nil`: the last).
    ///
    /// Configs are read as every config is (``IntegrationConfig/init(json:)``: leniently).
    package static func configPage(from body: Data) throws(APIError) -> (
        configs: [IntegrationConfig], nextToken: String?
    ) {
        let what = "the config list"
        guard case .object(let page) = try json(body, what: what) else {
            throw .decoding(message: "\(what): unexpected type at the top level")
        }
        var configs: [IntegrationConfig] = []
        switch page["data"] {
        case nil, .null?: break
        case .array(let elements)?:
            configs.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() {
                guard let config = IntegrationConfig(json: element) else {
                    throw .decoding(message: "\(what): missing \(missingID(in: element, at: "data.[\(index)]"))")
                }
                configs.append(config)
            }
        default: throw .decoding(message: "\(what): unexpected type at 'data'")
        }
        switch page["nextToken"] {
        case nil, .null?: return (configs, nil)
        case .string(let token)?: return (configs, token.isEmpty ? nil : token)
        default: throw .decoding(message: "\(what): unexpected type at 'nextToken'")
        }
    }

    /// The config in a response body.
    private static func config(from body: Data, what: String) throws(APIError) -> IntegrationConfig {
        let value = try json(body, what: what)
        guard let config = IntegrationConfig(json: value) else {
            throw .decoding(message: "\(what): missing \(missingID(in: value, at: nil))")
        }
        return config
    }

    private static func json(_ body: Data, what: String) throws(APIError) -> JSONValue {
        do {
            return try JSONParser.parse(Array(body))
        } catch {
            throw .decoding(message: "\(what): the response is not JSON")
        }
    }

    /// What a value that is not a config lacks, named by its path (never its content).
    private static func missingID(in value: JSONValue, at path: String?) -> String {
        guard case .object = value else { return "a config object at " + (path.map { "'\($0)'" } ?? "the top level") }
        return "'" + (path.map { $0 + "." } ?? "") + "id'"
    }
}
