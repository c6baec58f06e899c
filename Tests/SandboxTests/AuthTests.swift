import Foundation
import Sandbox
import Testing

@Suite("OAuth token and bearer checks")
struct AuthTests {
    @Test("issues a Bearer token for HTTP Basic key:secret with a form body")
    func tokenWithForm() async throws {
        try await withSandbox(SandboxOptions(seedConfigs: 3)) { server in
            let client = APIClient(server)
            let response = try await client.requestToken(key: server.apiKey, secret: server.apiSecret)
            #expect(response.status == 200)
            #expect(response.object["token_type"] as? String == "Bearer")
            #expect(response.object["expires_in"] as? Int == 18_000)
            let token = try #require(response.object["access_token"] as? String)
            #expect(!token.isEmpty)
            #expect(await server.stats().tokenRequests == 1)
        }
    }

    @Test("accepts grant_type as a JSON body and reports the configured lifetime")
    func tokenWithJSON() async throws {
        let options = SandboxOptions(seedConfigs: 1, faults: SandboxFaults(tokenLifetimeSeconds: 60))
        try await withSandbox(options) { server in
            let basic = Data("\(server.apiKey):\(server.apiSecret)".utf8).base64EncodedString()
            let response = try await APIClient(server).send(
                "POST", "/oauth/token", json: ["grant_type": "client_credentials"],
                headers: ["Authorization": "Basic \(basic)"], bearer: false
            )
            #expect(response.status == 200)
            #expect(response.object["expires_in"] as? Int == 60)
        }
    }

    @Test(
        "refuses wrong client credentials with 401",
        arguments: [("sandbox-api-key", "wrong"), ("wrong", "sandbox-api-secret"), ("", "")]
    )
    func badCredentials(key: String, secret: String) async throws {
        try await withSandbox(SandboxOptions(seedConfigs: 1)) { server in
            let response = try await APIClient(server).requestToken(key: key, secret: secret)
            #expect(response.status == 401)
            #expect(response.message.contains("Invalid client credentials"))
            #expect(response.object["access_token"] == nil)
        }
    }

    @Test("refuses a grant type other than client_credentials with 400")
    func badGrantType() async throws {
        try await withSandbox(SandboxOptions(seedConfigs: 1)) { server in
            let response = try await APIClient(server).requestToken(
                key: server.apiKey, secret: server.apiSecret, body: "grant_type=password")
            #expect(response.status == 400)
            #expect(response.message == "grant_type must be client_credentials")
        }
    }

    @Test("refuses a missing or unknown bearer with 403 and a message", arguments: [nil, "Bearer nope", "Basic abc"])
    func missingOrUnknownBearer(header: String?) async throws {
        try await withSandbox(SandboxOptions(seedConfigs: 1)) { server in
            let client = APIClient(server)
            var headers: [String: String] = [:]
            if let header { headers["Authorization"] = header }
            let response = try await client.send("GET", client.configsPath(), headers: headers)
            #expect(response.status == 403)
            #expect(!response.message.isEmpty)
            #expect(response.object.keys.sorted() == ["message"])
        }
    }

    @Test("answers 401 for a bad bearer when the knob asks for it")
    func authFailureKnob() async throws {
        let options = SandboxOptions(seedConfigs: 1, faults: SandboxFaults(authFailureStatus: 401))
        try await withSandbox(options) { server in
            let client = APIClient(server)
            let response = try await client.send("GET", client.configsPath())
            #expect(response.status == 401)
        }
    }

    @Test("expires tokens after their lifetime")
    func expiry() async throws {
        let clock = ManualClock()
        let options = SandboxOptions(
            seedConfigs: 2, faults: SandboxFaults(tokenLifetimeSeconds: 100), now: { clock.now })
        try await withSandbox(options) { server in
            let client = try await APIClient.authorized(server)
            clock.advance(99)
            #expect(try await client.send("GET", client.configsPath()).status == 200)
            clock.advance(1)
            let expired = try await client.send("GET", client.configsPath())
            #expect(expired.status == 403)
            #expect(expired.message.contains("expired"))
        }
    }

    @Test("refuses another org's path with 403, whatever the auth-failure knob")
    func otherOrg() async throws {
        let options = SandboxOptions(seedConfigs: 1, faults: SandboxFaults(authFailureStatus: 401))
        try await withSandbox(options) { server in
            let client = try await APIClient.authorized(server)
            let other = "11111111-2222-4333-8444-555555555555"
            let response = try await client.send("GET", client.configsPath(org: other))
            #expect(response.status == 403)
            #expect(response.message.contains(other))
        }
    }

    @Test("never echoes the token or the secret in an error")
    func noSecretsInErrors() async throws {
        try await withSandbox(SandboxOptions(seedConfigs: 1)) { server in
            var client = APIClient(server)
            client.token = "secret-looking-token-value"
            let unknown = try await client.send("GET", client.configsPath())
            #expect(!String(decoding: unknown.data, as: UTF8.self).contains("secret-looking-token-value"))
            let refused = try await client.requestToken(key: server.apiKey, secret: "my-wrong-secret")
            #expect(!String(decoding: refused.data, as: UTF8.self).contains("my-wrong-secret"))
        }
    }
}
