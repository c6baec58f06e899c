import Foundation
import Testing

@testable import BulkUpdate

/// Counts exchanges and hands out numbered tokens.
private actor ExchangeCounter {
    var count = 0
    let lifetime: Duration

    init(lifetime: Duration) { self.lifetime = lifetime }

    func next() -> TokenGrant {
        count += 1
        return TokenGrant(accessToken: "token-\(count)", lifetime: lifetime)
    }
}

@Suite("TokenProvider")
struct TokenProviderTests {
    static let credentials = Credentials(apiKey: "k", apiSecret: "s")

    @Test(
        "refreshes 10 % of the lifetime early, at most 60 s, but half of a short lifetime up to 5 s",
        arguments: [(2, 1_000), (8, 4_000), (30, 5_000), (100, 10_000), (18_000, 60_000)] as [(Int64, Int64)])
    func margin(lifetime: Int64, milliseconds: Int64) {
        #expect(TokenProvider.refreshMargin(lifetime: .seconds(lifetime)) == .milliseconds(milliseconds))
    }

    @Test("caches until the refresh point, then exchanges again")
    func caching() async throws {
        let clock = ManualClock()
        let counter = ExchangeCounter(lifetime: .seconds(2))
        let provider = TokenProvider(credentials: Self.credentials, clock: clock)
        let exchange: TokenProvider.Exchange = { await counter.next() }
        #expect(try await provider.token(exchange: exchange) == "token-1")
        clock.advance(by: .milliseconds(999))
        #expect(try await provider.token(exchange: exchange) == "token-1")
        clock.advance(by: .milliseconds(1))
        #expect(try await provider.token(exchange: exchange) == "token-2")
    }

    @Test("a token's life counts from the request, not from a slow response")
    func lifetimeFromRequest() async throws {
        let clock = ManualClock()
        let counter = ExchangeCounter(lifetime: .seconds(100))
        let provider = TokenProvider(credentials: Self.credentials, clock: clock)
        let slow: TokenProvider.Exchange = {
            clock.advance(by: .seconds(3))
            return await counter.next()
        }
        #expect(try await provider.token(exchange: slow) == "token-1")
        clock.advance(by: .seconds(86))
        #expect(try await provider.token(exchange: slow) == "token-1")
        clock.advance(by: .seconds(1))
        #expect(try await provider.token(exchange: slow) == "token-2")
    }

    @Test("a refusal drops a cached token that is not newer than the refused request")
    func invalidateBySendTime() async throws {
        let clock = ManualClock()
        let counter = ExchangeCounter(lifetime: .seconds(100))
        let provider = TokenProvider(credentials: Self.credentials, clock: clock)
        let exchange: TokenProvider.Exchange = { await counter.next() }
        _ = try await provider.token(exchange: exchange)
        clock.advance(by: .seconds(5))
        let sentAt = await provider.now
        // Another request's token was refused, but the cached token-1 is older than this send: drop it.
        await provider.invalidate("token-0", sentAt: sentAt)
        #expect(try await provider.token(exchange: exchange) == "token-2")
        // token-2 was requested after this older send: keep it.
        await provider.invalidate("token-1", sentAt: sentAt - .seconds(1))
        #expect(try await provider.token(exchange: exchange) == "token-2")
    }

    @Test("invalidating the refused token forces an exchange; a stale one is ignored")
    func invalidate() async throws {
        let counter = ExchangeCounter(lifetime: .seconds(100))
        let provider = TokenProvider(credentials: Self.credentials, clock: ManualClock())
        let exchange: TokenProvider.Exchange = { await counter.next() }
        _ = try await provider.token(exchange: exchange)
        await provider.invalidate("token-0")
        #expect(try await provider.token(exchange: exchange) == "token-1")
        await provider.invalidate("token-1")
        #expect(try await provider.token(exchange: exchange) == "token-2")
    }

    @Test("concurrent callers share one exchange, and share its failure")
    func sharedExchange() async throws {
        let counter = ExchangeCounter(lifetime: .seconds(100))
        let provider = TokenProvider(credentials: Self.credentials, clock: ManualClock())
        let tokens = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    try await provider.token {
                        await Task.yield()
                        return await counter.next()
                    }
                }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(Set(tokens) == ["token-1"])
        #expect(await counter.count == 1)

        let failing = TokenProvider(credentials: Self.credentials, clock: ManualClock())
        let refused = APIError.authentication(status: 401, message: "no")
        await #expect(throws: refused) {
            try await failing.token { () async throws(APIError) -> TokenGrant in throw refused }
        }
        #expect(try await failing.token(exchange: { await counter.next() }) == "token-2")
    }

    @Test("a static token is used as it is and cannot be refreshed")
    func staticToken() async throws {
        let provider = TokenProvider(credentials: Credentials(apiToken: "fixed"), clock: ManualClock())
        #expect(!provider.canRefresh)
        let token = try await provider.token { () async throws(APIError) -> TokenGrant in
            throw .authentication(status: 500, message: "must not be called")
        }
        #expect(token == "fixed")
    }

    @Test("decodes a token response, defaulting the lifetime to 18000 s")
    func grantDecoding() throws {
        let grant = try TokenGrant.decode(Data(#"{"access_token":"abc","expires_in":3600,"token_type":"Bearer"}"#.utf8))
        #expect(grant == TokenGrant(accessToken: "abc", lifetime: .seconds(3600)))
        #expect(try TokenGrant.decode(Data(#"{"access_token":"abc"}"#.utf8)).lifetime == .seconds(18_000))
        #expect(throws: APIError.decoding(message: "the token response has no access_token")) {
            try TokenGrant.decode(Data("<html>".utf8))
        }
    }

    @Test("the exchange request is a form POST with HTTP Basic key:secret")
    func exchangeRequest() throws {
        let settings = try ConnectionSettings(baseURL: "https://api.m3ter.com", orgId: "o")
        let request = TokenProvider.exchangeRequest(
            settings: settings, credentials: Credentials(apiKey: "key", apiSecret: "sec"))
        #expect(request.url.absoluteString == "https://api.m3ter.com/oauth/token")
        #expect(request.header("Authorization") == "Basic a2V5OnNlYw==")
        #expect(request.body == Data("grant_type=client_credentials".utf8))
    }

    @Test("a refusal invalidates any cached token that is not newer than the refused request")
    func invalidateOlderThanAttempt() async throws {
        let clock = ManualClock()
        let counter = ExchangeCounter(lifetime: .seconds(100))
        let provider = TokenProvider(credentials: Self.credentials, clock: clock)
        let exchange: TokenProvider.Exchange = { await counter.next() }
        #expect(try await provider.token(exchange: exchange) == "token-1")
        clock.advance(by: .seconds(1))
        let sentAt = await provider.now
        // Another request's token ("token-0", long gone) was refused after token-1 was cached,
        // but token-1 is older than the refused attempt: it may have expired on the way too.
        await provider.invalidate("token-0", sentAt: sentAt)
        clock.advance(by: .milliseconds(1))
        #expect(try await provider.token(exchange: exchange) == "token-2")
        // A token requested after the refused attempt was sent is kept.
        await provider.invalidate("token-1", sentAt: sentAt)
        #expect(try await provider.token(exchange: exchange) == "token-2")
    }
}
