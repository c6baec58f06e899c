import Foundation

/// The whole emulated m3ter org and its gatekeeping, as a value: configs, tokens, rate windows,
/// faults and statistics. `handle(_:now:)` answers one API request; it does no I/O and takes the
/// time as an argument, so every rule is testable without a server. `SandboxStore` owns one.
struct SandboxState {
    let orgId: String
    let apiKey: String
    let apiSecret: String
    let userId: String
    let seedConfigs: [SandboxConfig]

    private(set) var configs: [String: SandboxConfig] = [:]
    private(set) var stats = SandboxStats()
    var faults: SandboxFaults
    private var tokens: [String: (org: String, expires: Date)] = [:]
    private var windows: [String: RateWindow] = [:]
    private var random: SeededRandom
    private var order: [String]?
    /// Each config's JSON, keyed by id, valid while version and `dtLastModified` are unchanged
    /// (every write changes both); makes a 200-config page a concatenation instead of an encoding.
    private var encoded: [String: (version: Int64, modified: String, json: Data)] = [:]
    private var inFlight = 0

    init(options: SandboxOptions, seedConfigs: [SandboxConfig]) {
        orgId = options.orgId
        apiKey = options.apiKey
        apiSecret = options.apiSecret
        userId = options.userId
        self.seedConfigs = seedConfigs
        faults = options.faults
        random = SeededRandom(seed: options.seed ^ 0x5EED_FA17)
        configs = Dictionary(seedConfigs.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
    }

    // MARK: State access for tests and admin routes

    /// Every config, newest first (the list order).
    mutating func orderedConfigs() -> [SandboxConfig] {
        sortedIds().compactMap { configs[$0] }
    }

    mutating func insert(_ config: SandboxConfig) {
        var config = config
        if let date = SandboxTime.parse(config.dtCreated) { config.dtCreated = SandboxTime.format(date) }
        configs[config.id] = config
        encoded[config.id] = nil
        order = nil
    }

    /// Applies `change` as another user's edit: version + 1, new `dtLastModified`. False if unknown.
    mutating func mutate(id: String, now: Date, by user: String, _ change: (inout SandboxConfig) -> Void) -> Bool {
        guard var config = configs[id] else { return false }
        change(&config)
        config.id = id
        config.version += 1
        config.dtLastModified = SandboxTime.format(now)
        config.lastModifiedBy = user
        configs[id] = config
        order = nil
        return true
    }

    /// Forgets every issued token (they are refused from now on).
    mutating func revokeTokens() {
        tokens = [:]
    }

    mutating func reset() {
        configs = Dictionary(seedConfigs.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        stats = SandboxStats()
        windows = [:]
        order = nil
        encoded = [:]
    }

    // MARK: Request lifecycle

    /// Marks a request as started and returns the latency to apply before answering it.
    mutating func begin() -> Duration {
        inFlight += 1
        stats.peakConcurrent = max(stats.peakConcurrent, inFlight)
        let jitter = faults.jitterMs > 0 ? Int.random(in: -faults.jitterMs...faults.jitterMs, using: &random) : 0
        return .milliseconds(max(0, faults.latencyMs + jitter))
    }

    /// Marks a request as finished.
    mutating func end() {
        inFlight -= 1
    }

    /// Answers one API request at time `now`, counting it in the statistics.
    mutating func handle(_ request: APIRequest, now: Date) -> APIResponse {
        let route = APIRoute(method: request.method, path: request.path)
        stats.totalRequests += 1
        stats.byRoute[route.statsKey(method: request.method), default: 0] += 1
        let response = respond(to: request, route: route, now: now)
        if response.lostResponse != nil {
            stats.lostResponses += 1
        } else {
            stats.byStatus[String(response.status), default: 0] += 1
        }
        return response
    }

    private mutating func respond(to request: APIRequest, route: APIRoute, now: Date) -> APIResponse {
        switch route {
        case .token:
            stats.tokenRequests += 1
            return issueToken(request, now: now)
        case .notFound:
            return .error(404, "Not found: \(request.method) \(request.path) is not part of the IntegrationConfig API")
        case .methodNotAllowed(nil):
            return .error(405, "Method \(request.method) is not allowed on \(request.path)")
        default:
            break
        }
        if let refusal = authorize(request, org: route.org ?? "", now: now) { return refusal }
        if case .methodNotAllowed = route {
            return .error(405, "Method \(request.method) is not allowed on \(request.path)")
        }
        if let refusal = throttle(org: route.org ?? "", now: now) { return refusal }
        if random.chance(faults.errorRate) {
            stats.injectedErrors += 1
            return .error(500, "Internal server error (injected by the sandbox's errorRate fault)")
        }
        var response = perform(route, request: request, now: now)
        guard route.isWrite, response.status == 200 else { return response }
        // The write has committed; what reaches the client is up to these faults, drawn in turn (a
        // rate of 0 draws nothing, so adding a fault never changes another's sequence for a seed).
        if random.chance(faults.lostResponseRate) {
            response.lostResponse = faults.lostResponseMode
        } else if random.chance(faults.commitErrorRate) {
            stats.commitErrors += 1
            response = .error(500, "Internal server error (injected by the sandbox's commitErrorRate fault)")
        } else if random.chance(faults.gatewayErrorRate) {
            stats.gatewayErrors += 1
            response = .gateway(Bool.random(using: &random) ? 502 : 504)
        }
        return response
    }

    // MARK: Gatekeeping

    private mutating func issueToken(_ request: APIRequest, now: Date) -> APIResponse {
        guard let credentials = Self.basicCredentials(request.authorization),
            credentials.key == apiKey, credentials.secret == apiSecret
        else {
            return .error(401, "Invalid client credentials: send HTTP Basic with the API key and secret")
        }
        guard let grantType = Self.grantType(request), grantType == "client_credentials" else {
            return .error(400, "grant_type must be client_credentials")
        }
        let token =
            "sbx." + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        if tokens.count >= 1024, tokens.count.isMultiple(of: 1024) {
            tokens = tokens.filter { $0.value.expires > now }  // prune now and then, not on every call
        }
        tokens[token] = (orgId, now.addingTimeInterval(TimeInterval(faults.tokenLifetimeSeconds)))
        return .json(200, TokenResponse(accessToken: token, expiresIn: faults.tokenLifetimeSeconds))
    }

    private func authorize(_ request: APIRequest, org: String, now: Date) -> APIResponse? {
        let status = faults.authFailureStatus
        guard let header = request.authorization, header.lowercased().hasPrefix("bearer ") else {
            return .error(status, "Missing bearer token: call POST /oauth/token and send Authorization: Bearer")
        }
        let token = header.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces)
        guard let grant = tokens[token] else {
            return .error(status, "Invalid bearer token")
        }
        guard grant.expires > now else {
            return .error(status, "Bearer token expired: request a new one from POST /oauth/token")
        }
        guard grant.org == org else {
            return .error(403, "Not authorized for organization \(org)")
        }
        return nil
    }

    private mutating func throttle(org: String, now: Date) -> APIResponse? {
        switch windows[org, default: RateWindow()].admit(at: now.timeIntervalSince1970, limit: faults.rateLimit) {
        case .allowed:
            return nil
        case .throttled:
            stats.throttled += 1
            var headers: [String: String] = [:]
            if let seconds = faults.retryAfter {
                switch faults.retryAfterFormat {
                case .seconds:
                    headers["Retry-After"] = String(seconds)
                case .date:
                    // An HTTP date has whole seconds: round up, so waiting until it waits at least `seconds`.
                    let until = (now.timeIntervalSince1970 + Double(seconds)).rounded(.up)
                    headers["Retry-After"] = SandboxTime.httpDate(Date(timeIntervalSince1970: until))
                }
            }
            return .error(429, "Too Many Requests", headers: headers)
        }
    }

    // MARK: Operations

    private mutating func perform(_ route: APIRoute, request: APIRequest, now: Date) -> APIResponse {
        switch route {
        case .list: return list(query: request.query)
        case .get(_, let id):
            guard let config = configs[id] else { return notFound(id) }
            return APIResponse(status: 200, body: json(of: config))
        case .create: return create(request.body, now: now)
        case .update(_, let id): return update(id: id, body: request.body, now: now)
        case .enable(_, let id):
            guard var config = configs[id] else { return notFound(id) }
            config.enabled = true
            return commit(&config, now: now)
        case .delete(_, let id):
            guard let config = configs.removeValue(forKey: id) else { return notFound(id) }
            encoded[id] = nil
            order = nil
            stats.writesById[id, default: 0] += 1
            return .json(200, config)
        case .token, .methodNotAllowed, .notFound:
            return .error(404, "Not found")
        }
    }

    private func notFound(_ id: String) -> APIResponse {
        .error(404, "IntegrationConfig not found: \(id)")
    }

    private mutating func list(query: [String: String]) -> APIResponse {
        var pageSize = 10
        if let text = query["pageSize"], !text.isEmpty {
            guard let value = Int(text), (1...200).contains(value) else {
                return .error(400, "pageSize must be an integer between 1 and 200, got '\(text)'")
            }
            pageSize = value
        }
        var cursor: PageCursor?
        if let token = query["nextToken"], !token.isEmpty {
            guard let decoded = PageCursor(token: token) else { return .error(400, "Invalid nextToken") }
            cursor = decoded
        }
        let filter = query["destinationId"].flatMap { $0.isEmpty ? nil : $0 }
        var page: [SandboxConfig] = []
        var more = false
        for id in sortedIds() {
            guard let config = configs[id] else { continue }
            if let cursor, (config.dtCreated, config.id) >= (cursor.dtCreated, cursor.id) { continue }
            if let filter, config.destinationId != filter { continue }
            if page.count == pageSize {
                more = true
                break
            }
            page.append(config)
        }
        let next = more ? page.last.map { PageCursor(dtCreated: $0.dtCreated, id: $0.id).token } : nil
        var body = Data(#"{"data":["#.utf8)
        for (index, config) in page.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body.append(json(of: config))
        }
        body.append(contentsOf: Array("]".utf8))
        if let next { body.append(contentsOf: Array(#","nextToken":"\#(next)""#.utf8)) }
        body.append(UInt8(ascii: "}"))
        return APIResponse(status: 200, body: body)
    }

    private mutating func create(_ body: Data, now: Date) -> APIResponse {
        let request: ConfigRequest
        switch ConfigRequest.parse(body) {
        case .success(let parsed): request = parsed
        case .failure(let problem): return .error(400, problem.message)
        }
        var id = random.uuid()
        while configs[id] != nil { id = random.uuid() }
        let stamp = SandboxTime.format(now)
        let config = SandboxConfig(
            id: id, version: 1, entityType: request.entityType, entityId: request.entityId,
            destination: request.destination, destinationId: request.destinationId, configData: request.configData,
            authorized: true, enabled: true, triggerType: "EVENT",
            integrationCredentialsId: request.integrationCredentialsId, name: request.name, dtCreated: stamp,
            dtLastModified: stamp, createdBy: userId, lastModifiedBy: userId
        )
        configs[id] = config
        order = nil
        stats.writesById[id, default: 0] += 1
        return .json(200, config)
    }

    private mutating func update(id: String, body: Data, now: Date) -> APIResponse {
        let request: ConfigRequest
        switch ConfigRequest.parse(body) {
        case .success(let parsed): request = parsed
        case .failure(let problem): return .error(400, problem.message)
        }
        guard var config = configs[id] else { return notFound(id) }
        guard let version = request.version else {
            return .error(
                400, "version is required to update IntegrationConfig \(id) (current version is \(config.version))")
        }
        guard version == config.version else {
            return .error(
                faults.versionMismatchStatus,
                "Version mismatch for IntegrationConfig \(id): request has version \(version), current version is \(config.version)"
            )
        }
        config.entityType = request.entityType
        config.entityId = request.entityId
        config.destination = request.destination
        config.destinationId = request.destinationId
        config.configData = request.configData
        config.integrationCredentialsId = request.integrationCredentialsId
        config.name = request.name
        return commit(&config, now: now)
    }

    private mutating func commit(_ config: inout SandboxConfig, now: Date) -> APIResponse {
        config.version += 1
        config.dtLastModified = SandboxTime.format(now)
        config.lastModifiedBy = userId
        configs[config.id] = config
        stats.writesById[config.id, default: 0] += 1
        return .json(200, config)
    }

    // MARK: Helpers

    /// The config's JSON, from the cache when it is current.
    private mutating func json(of config: SandboxConfig) -> Data {
        if let cached = encoded[config.id], cached.version == config.version,
            cached.modified == config.dtLastModified
        {
            return cached.json
        }
        let json = APIResponse.json(200, config).body
        encoded[config.id] = (config.version, config.dtLastModified, json)
        return json
    }

    private mutating func sortedIds() -> [String] {
        if let order { return order }
        let sorted = configs.values.sorted { ($0.dtCreated, $0.id) > ($1.dtCreated, $1.id) }.map(\.id)
        order = sorted
        return sorted
    }

    private static func basicCredentials(_ header: String?) -> (key: String, secret: String)? {
        guard let header, header.lowercased().hasPrefix("basic "),
            let data = Data(base64Encoded: header.dropFirst("basic ".count).trimmingCharacters(in: .whitespaces)),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }

    private static func grantType(_ request: APIRequest) -> String? {
        let text = String(decoding: request.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("{") {
            let json = try? JSONDecoder().decode(SandboxJSON.self, from: request.body)
            return json?.objectValue?["grant_type"]?.stringValue
        }
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2, parts[0] == "grant_type" { return parts[1].removingPercentEncoding ?? parts[1] }
        }
        return nil
    }
}

/// `BearerAccessTokenResponse`.
private struct TokenResponse: Encodable {
    var accessToken: String
    var expiresIn: Int
    private enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case tokenType = "token_type"
        case expiresIn = "expires_in"
    }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(accessToken, forKey: .accessToken)
        try c.encode("Bearer", forKey: .tokenType)
        try c.encode(expiresIn, forKey: .expiresIn)
    }
}
