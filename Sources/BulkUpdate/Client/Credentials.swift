import Foundation
import Planner

/// The secrets used to authenticate, only ever read from the environment.
///
/// Either a service user's key and secret (exchanged for a bearer token) or a ready bearer token
/// (`M3TER_API_TOKEN`, which skips the exchange). `description`, `debugDescription` and the mirror
/// never show a value.
public struct Credentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The environment variable holding the API key.
    public static let apiKeyVariable = "M3TER_API_KEY"
    /// The environment variable holding the API secret.
    public static let apiSecretVariable = "M3TER_API_SECRET"
    /// The environment variable holding a bearer token.
    public static let apiTokenVariable = "M3TER_API_TOKEN"

    public var apiKey: String?
    public var apiSecret: String?
    /// A bearer token: when set, no token exchange happens.
    public var apiToken: String?

    /// Credentials as given (empty strings count as absent).
    public init(apiKey: String? = nil, apiSecret: String? = nil, apiToken: String? = nil) {
        self.apiKey = apiKey.flatMap { $0.isEmpty ? nil : $0 }
        self.apiSecret = apiSecret.flatMap { $0.isEmpty ? nil : $0 }
        self.apiToken = apiToken.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Reads `M3TER_API_KEY`, `M3TER_API_SECRET` and `M3TER_API_TOKEN`.
    ///
    /// - Throws: ``ConfigurationError/missingCredentials`` when there is neither a token nor a key
    ///   and secret; ``ConfigurationError/incompleteCredentials(missing:)`` when only one of key and
    ///   secret is set and there is no token.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> Credentials {
        let credentials = Credentials(
            apiKey: environment[apiKeyVariable], apiSecret: environment[apiSecretVariable],
            apiToken: environment[apiTokenVariable]
        )
        try credentials.validate()
        return credentials
    }

    /// Checks that there is something to authenticate with.
    public func validate() throws(ConfigurationError) {
        if apiToken != nil { return }
        switch (apiKey, apiSecret) {
        case (.some, .some): return
        case (.some, .none): throw .incompleteCredentials(missing: Self.apiSecretVariable)
        case (.none, .some): throw .incompleteCredentials(missing: Self.apiKeyVariable)
        case (.none, .none): throw .missingCredentials
        }
    }

    /// True when a bearer token is given and no exchange is needed.
    public var usesStaticToken: Bool { apiToken != nil }

    /// Every secret value, for scrubbing messages that might echo one.
    public var secretValues: [String] { [apiKey, apiSecret, apiToken].compactMap { $0 } }

    public var description: String {
        func shown(_ value: String?) -> String { value == nil ? "unset" : Secrets.placeholder }
        return "Credentials(apiKey: \(shown(apiKey)), apiSecret: \(shown(apiSecret)), apiToken: \(shown(apiToken)))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}
