import Foundation
import Testing

@testable import BulkUpdate

@Suite("ConnectionSettings and Credentials")
struct ConnectionSettingsTests {
    @Test("defaults to api.m3ter.com and reads the org from the environment")
    func defaults() throws {
        let settings = try ConnectionSettings.resolve(baseURL: nil, orgId: nil, environment: ["M3TER_ORG_ID": "org-9"])
        #expect(settings.baseURL.absoluteString == "https://api.m3ter.com")
        #expect(settings.orgId == "org-9")
        #expect(settings.configsURL.absoluteString == "https://api.m3ter.com/organizations/org-9/integrationconfigs")
        #expect(settings.tokenURL.absoluteString == "https://api.m3ter.com/oauth/token")
    }

    @Test("options win over the environment; a trailing slash and a path prefix are kept apart")
    func optionsWin() throws {
        let environment = ["M3TER_ORG_ID": "env-org", "M3TER_BASE_URL": "https://env.example"]
        let settings = try ConnectionSettings.resolve(
            baseURL: "https://proxy.example/m3ter/", orgId: "flag-org", environment: environment)
        #expect(
            settings.configsURL.absoluteString
                == "https://proxy.example/m3ter/organizations/flag-org/integrationconfigs")
        let fromEnvironment = try ConnectionSettings.resolve(baseURL: "", orgId: nil, environment: environment)
        #expect(fromEnvironment.baseURL.absoluteString == "https://env.example")
        #expect(fromEnvironment.orgId == "env-org")
    }

    @Test(
        "allows plain http only to loopback",
        arguments: [
            "http://127.0.0.1:8080", "http://127.45.6.7", "http://localhost:1234", "http://[::1]:9000",
            "HTTP://LOCALHOST",
        ]
    )
    func loopbackAllowed(url: String) throws {
        #expect(try ConnectionSettings(baseURL: url, orgId: "o").orgId == "o")
    }

    @Test(
        "refuses plain http to any other host",
        arguments: [
            "http://api.m3ter.com", "http://127.0.0.1.evil.example", "http://128.0.0.1", "http://10.0.0.1:8080",
            "http://localhost.evil.example",
        ]
    )
    func insecureRefused(url: String) {
        #expect(throws: ConfigurationError.insecureBaseURL(url)) { try ConnectionSettings(baseURL: url, orgId: "o") }
    }

    @Test(
        "rejects URLs that are not http(s)",
        arguments: ["ftp://api.m3ter.com", "api.m3ter.com", "https://", "https://user:pw@api.m3ter.com"])
    func invalidURL(url: String) {
        #expect(throws: ConfigurationError.invalidBaseURL(url)) { try ConnectionSettings(baseURL: url, orgId: "o") }
    }

    @Test("a missing or malformed org says what to set")
    func organization() {
        #expect(throws: ConfigurationError.missingOrganization) {
            try ConnectionSettings.resolve(baseURL: nil, orgId: nil, environment: [:])
        }
        #expect(throws: ConfigurationError.invalidOrganization("a/b")) {
            try ConnectionSettings(baseURL: "https://x", orgId: "a/b")
        }
        #expect(ConfigurationError.missingOrganization.description.contains("M3TER_ORG_ID"))
        #expect(ConfigurationError.insecureBaseURL("http://x").description.contains("loopback"))
    }

    @Test("credentials come from the environment; a token alone is enough")
    func credentialsFromEnvironment() throws {
        let pair = try Credentials.fromEnvironment(["M3TER_API_KEY": "k", "M3TER_API_SECRET": "s"])
        #expect(pair == Credentials(apiKey: "k", apiSecret: "s"))
        #expect(!pair.usesStaticToken)
        let token = try Credentials.fromEnvironment(["M3TER_API_TOKEN": "t", "M3TER_API_KEY": ""])
        #expect(token.usesStaticToken)
        #expect(token.apiKey == nil)
    }

    @Test(
        "missing credentials name the variable to set",
        arguments: [
            ([:], ConfigurationError.missingCredentials),
            (["M3TER_API_KEY": "k"], .incompleteCredentials(missing: "M3TER_API_SECRET")),
            (["M3TER_API_SECRET": "s", "M3TER_API_TOKEN": ""], .incompleteCredentials(missing: "M3TER_API_KEY")),
        ]
    )
    func missingCredentials(environment: [String: String], expected: ConfigurationError) {
        #expect(throws: expected) { try Credentials.fromEnvironment(environment) }
        #expect(expected.description.contains("M3TER_API_"))
    }

    @Test("credentials never print their values")
    func credentialsDescription() {
        let credentials = Credentials(apiKey: "key-value-1", apiSecret: "secret-value-2")
        #expect(credentials.description == "Credentials(apiKey: <redacted>, apiSecret: <redacted>, apiToken: unset)")
        #expect(!"\(credentials)".contains("value"))
        #expect(!String(reflecting: credentials).contains("value"))
    }
}
