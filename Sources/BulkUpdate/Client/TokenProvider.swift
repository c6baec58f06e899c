import Foundation

/// Hands out the bearer token: exchanged with OAuth2 client credentials, cached, refreshed early.
///
/// The token is refreshed once less than a margin of its lifetime remains (10 % of the lifetime,
/// at most 60 s), on the injected clock. Concurrent callers share one exchange. After a 401/403
/// the client calls ``invalidate(_:)`` with the token that was refused, so the next caller gets a
/// fresh one (and twenty parallel 401s cause one exchange, not twenty). With `M3TER_API_TOKEN`
/// there is no exchange: that token is returned as it is.
public actor TokenProvider {
    /// Performs one token exchange (the client runs it through the rate limiter and retries).
    public typealias Exchange = @Sendable () async throws(APIError) -> TokenGrant

    private enum State {
        case empty
        case valid(token: String, refreshAt: Duration, requestedAt: Duration)
        case exchanging(waiters: [CheckedContinuation<String, any Error>])
    }

    private let credentials: Credentials
    private let clock: ErasedClock
    private var state: State = .empty

    /// A provider for `credentials`, timing expiry on `clock`.
    public init(credentials: Credentials, clock: some Clock<Duration> = ContinuousClock()) {
        self.credentials = credentials
        self.clock = ErasedClock(clock)
    }

    /// Whether a refused token can be replaced (false with a static `M3TER_API_TOKEN`).
    public nonisolated var canRefresh: Bool { !credentials.usesStaticToken }

    /// How long before expiry a token is replaced: 10 % of its lifetime, at most 60 s, but at least
    /// half of a short lifetime up to 5 s, so a request that is slow to reach the server (a loaded
    /// machine, a long queue) does not arrive with a token that expired on the way.
    public static func refreshMargin(lifetime: Duration) -> Duration {
        min(.seconds(60), max(lifetime / 10, min(lifetime / 2, .seconds(5))))
    }

    /// A valid token, exchanging (with `exchange`) when there is none or it is about to expire.
    public func token(exchange: Exchange) async throws(APIError) -> String {
        if let token = credentials.apiToken { return token }
        switch state {
        case .valid(let token, let refreshAt, _) where clock.now < refreshAt:
            return token
        case .exchanging(var waiters):
            do {
                return try await withCheckedThrowingContinuation { continuation in
                    waiters.append(continuation)
                    state = .exchanging(waiters: waiters)
                }
            } catch let error as APIError {
                throw error
            } catch {
                throw .cancelled
            }
        case .empty, .valid:
            state = .exchanging(waiters: [])
            // The token's life is counted from the request, not the response: the server starts its
            // clock when it issues the token, and a slow response must not stretch it on our side.
            let requestedAt = clock.now
            let result: Result<TokenGrant, APIError>
            do throws(APIError) {
                result = .success(try await exchange())
            } catch {
                result = .failure(error)
            }
            let waiters: [CheckedContinuation<String, any Error>]
            if case .exchanging(let pending) = state { waiters = pending } else { waiters = [] }
            switch result {
            case .success(let grant):
                let refreshAt = requestedAt + grant.lifetime - Self.refreshMargin(lifetime: grant.lifetime)
                state = .valid(token: grant.accessToken, refreshAt: refreshAt, requestedAt: requestedAt)
                for waiter in waiters { waiter.resume(returning: grant.accessToken) }
                return grant.accessToken
            case .failure(let error):
                state = .empty
                for waiter in waiters { waiter.resume(throwing: error) }
                throw error
            }
        }
    }

    /// Forgets `token` after the API refused it, so the next ``token(exchange:)`` exchanges again.
    ///
    /// A cached token other than the refused one is kept only when it was requested after the
    /// refused request was sent (``now``, read just before sending): an older one may have expired
    /// on the way too, so the retry gets a token at least as fresh as its own attempt.
    public func invalidate(_ token: String, sentAt: Duration? = nil) {
        guard case .valid(let current, _, let requestedAt) = state else { return }
        if current == token || (sentAt.map { requestedAt <= $0 } ?? false) { state = .empty }
    }

    /// The provider's clock reading, to pass back as `sentAt` to ``invalidate(_:sentAt:)``.
    public var now: Duration { clock.now }

    /// The `POST {base}/oauth/token` request: HTTP Basic `key:secret`, form body `grant_type=client_credentials`.
    public static func exchangeRequest(settings: ConnectionSettings, credentials: Credentials) -> HTTPRequest {
        let pair = "\(credentials.apiKey ?? ""):\(credentials.apiSecret ?? "")"
        return HTTPRequest(
            method: .post, url: settings.tokenURL,
            headers: [
                "Authorization": "Basic \(Data(pair.utf8).base64EncodedString())",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            ],
            body: Data("grant_type=client_credentials".utf8)
        )
    }
}
