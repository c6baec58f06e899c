import Foundation

/// A bearer token from `POST /oauth/token` and how long it lives.
public struct TokenGrant: Sendable, Hashable, CustomStringConvertible {
    /// The bearer token (a secret: never printed).
    public var accessToken: String
    /// `expires_in` of the response.
    public var lifetime: Duration

    /// A grant.
    public init(accessToken: String, lifetime: Duration) {
        self.accessToken = accessToken
        self.lifetime = lifetime
    }

    public var description: String { "TokenGrant(accessToken: <redacted>, lifetime: \(lifetime))" }

    /// Decodes a token response: `{"access_token": …, "expires_in": seconds, …}`.
    ///
    /// A missing `expires_in` is taken as m3ter's documented 18000 s.
    public static func decode(_ body: Data) throws(APIError) -> TokenGrant {
        struct Body: Decodable {
            var accessToken: String?
            var expiresIn: Double?
            enum CodingKeys: String, CodingKey {
                case accessToken = "access_token"
                case expiresIn = "expires_in"
            }
        }
        guard let decoded = try? JSONDecoder().decode(Body.self, from: body), let token = decoded.accessToken,
            !token.isEmpty
        else {
            throw .decoding(message: "the token response has no access_token")
        }
        let seconds = decoded.expiresIn.flatMap { $0 > 0 && $0.isFinite ? $0 : nil } ?? 18000
        return TokenGrant(accessToken: token, lifetime: .seconds(exactly: seconds))
    }
}
