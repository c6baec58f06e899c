import Foundation
import Sandbox
import Testing

@Suite("Retrieve, update, enable, create and delete")
struct WriteTests {
    static let webhookId = "6f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e"

    static func sample(enabled: Bool = false) -> SandboxConfig {
        SandboxConfig(
            id: webhookId, version: 3, entityType: "Notification", entityId: "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d",
            destination: "Webhook", destinationId: "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e",
            configData: ["url": .string("https://hooks.example.com/a"), "nested": .object(["apiKey": .string("k")])],
            authorized: true, enabled: enabled, integrationCredentialsId: "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f",
            name: "Alerts, \"ops\"", dtCreated: "2024-05-01T10:00:00.000Z", createdBy: "creator"
        )
    }

    static func withSample(
        _ faults: SandboxFaults = SandboxFaults(),
        _ body: (SandboxServer, APIClient) async throws -> Void
    ) async throws {
        try await withSandbox(SandboxOptions(seedConfigs: 2, faults: faults)) { server in
            await server.insert(sample())
            try await body(server, try await APIClient.authorized(server))
        }
    }

    func path(_ client: APIClient, _ suffix: String = "") -> String {
        client.configsPath() + "/" + Self.webhookId + suffix
    }

    @Test("retrieves a config by id with every response field")
    func retrieve() async throws {
        try await Self.withSample { _, client in
            let response = try await client.send("GET", path(client))
            #expect(response.status == 200)
            #expect(Set(response.object.keys) == specResponseFields)
            #expect(try response.decode(SandboxConfig.self) == Self.sample())
        }
    }

    @Test("answers 404 with a message for an unknown id, on every id route", arguments: ["GET", "PUT", "DELETE"])
    func unknownId(method: String) async throws {
        try await Self.withSample { _, client in
            let unknown = "00000000-0000-4000-8000-000000000000"
            let body = method == "PUT" ? requestBody(of: Self.sample()) : nil
            let response = try await client.send(method, client.configsPath() + "/" + unknown, json: body)
            #expect(response.status == 404)
            #expect(response.message.contains(unknown))
        }
    }

    @Test("replaces the whole config on PUT: omitted optionals are cleared, configData defaults to {}")
    func fullReplacement() async throws {
        try await Self.withSample { server, client in
            let response = try await client.send(
                "PUT", path(client), json: ["entityType": "Notification", "destination": "Webhook", "version": 3])
            #expect(response.status == 200)
            let updated = try response.decode(SandboxConfig.self)
            #expect(updated.version == 4)
            #expect(updated.entityId == nil)
            #expect(updated.destinationId == nil)
            #expect(updated.integrationCredentialsId == nil)
            #expect(updated.name == nil)
            #expect(updated.configData.isEmpty)
            #expect(updated.enabled == false)
            #expect(updated.authorized == true)
            #expect(updated.dtCreated == Self.sample().dtCreated)
            #expect(updated.dtLastModified != Self.sample().dtLastModified)
            #expect(updated.lastModifiedBy == SandboxOptions.defaultUserId)
            #expect(await server.config(id: Self.webhookId) == updated)
            #expect(await server.stats().writesById == [Self.webhookId: 1])
        }
    }

    @Test("stores every field sent and increments the version")
    func update() async throws {
        try await Self.withSample { server, client in
            var body = requestBody(of: Self.sample())
            body["name"] = "Renamed, with \"quotes\""
            body["configData"] = ["url": "https://hooks.example.com/b", "deep": ["a": [1, 2.5, true, NSNull()]]]
            let response = try await client.send("PUT", path(client), json: body)
            #expect(response.status == 200)
            let stored = try #require(await server.config(id: Self.webhookId))
            #expect(stored.version == 4)
            #expect(stored.name == "Renamed, with \"quotes\"")
            #expect(
                stored.configData["deep"]
                    == .object(["a": .array([.int(1), .double(2.5), .bool(true), .null])]))
            #expect(stored.entityId == Self.sample().entityId)
        }
    }

    @Test("refuses a stale version with 400 naming both versions, and changes nothing")
    func staleVersion() async throws {
        try await Self.withSample { server, client in
            let response = try await client.send("PUT", path(client), json: requestBody(of: Self.sample(), version: 2))
            #expect(response.status == 400)
            #expect(response.message.contains("version 2"))
            #expect(response.message.contains("version is 3"))
            #expect(await server.config(id: Self.webhookId) == Self.sample())
        }
    }

    @Test("answers a version mismatch with 409 when the knob asks for it")
    func conflictKnob() async throws {
        try await Self.withSample(SandboxFaults(versionMismatchStatus: 409)) { _, client in
            let response = try await client.send("PUT", path(client), json: requestBody(of: Self.sample(), version: 9))
            #expect(response.status == 409)
            #expect(response.message.contains("version 9"))
        }
    }

    @Test("requires version on PUT")
    func missingVersion() async throws {
        try await Self.withSample { _, client in
            var body = requestBody(of: Self.sample())
            body["version"] = nil
            let response = try await client.send("PUT", path(client), json: body)
            #expect(response.status == 400)
            #expect(response.message.contains("version is required"))
        }
    }

    @Test(
        "validates entityType and destination: required, non-empty, ^[a-zA-Z0-9_-]*$",
        arguments: [
            ("entityType", nil, "entityType is required"),
            ("entityType", "", "entityType must not be empty"),
            ("destination", "Web hook", "must match ^[a-zA-Z0-9_-]*$"),
            ("destination", "Stripé", "must match ^[a-zA-Z0-9_-]*$"),
            ("destination", nil, "destination is required"),
        ] as [(String, String?, String)]
    )
    func requiredNames(field: String, value: String?, message: String) async throws {
        try await Self.withSample { server, client in
            var body = requestBody(of: Self.sample())
            body[field] = value
            let response = try await client.send("PUT", path(client), json: body)
            #expect(response.status == 400)
            #expect(response.message.contains(message))
            #expect(await server.config(id: Self.webhookId)?.version == 3)
        }
    }

    @Test(
        "checks UUID fields", arguments: ["entityId", "destinationId", "integrationCredentialsId"]
    )
    func uuidFields(field: String) async throws {
        try await Self.withSample { _, client in
            var body = requestBody(of: Self.sample())
            body[field] = "not-a-uuid"
            let response = try await client.send("PUT", path(client), json: body)
            #expect(response.status == 400)
            #expect(response.message == "\(field) 'not-a-uuid' is not a valid UUID")
        }
    }

    @Test("refuses bodies that are not a JSON object, or with wrongly typed members")
    func malformedBodies() async throws {
        try await Self.withSample { _, client in
            let cases: [(Any, String)] = [
                (Data("{".utf8), "Request body is not valid JSON"),
                ([1, 2], "Request body must be a JSON object, got array"),
                (
                    ["entityType": "Bill", "destination": "Stripe", "version": 3, "configData": "x"],
                    "configData must be an object, got string"
                ),
                (["entityType": "Bill", "destination": "Stripe", "version": "3"], "version must be an integer"),
                (
                    ["entityType": "Bill", "destination": "Stripe", "version": 3, "credentials": ["name": "x"]],
                    "credentials.type is required"
                ),
            ]
            for (body, message) in cases {
                let response = try await client.send("PUT", path(client), json: body)
                #expect(response.status == 400)
                #expect(response.message.hasPrefix(message))
            }
        }
    }

    @Test("enables with an empty POST: enabled=true, version + 1")
    func enable() async throws {
        try await Self.withSample { server, client in
            let response = try await client.send("POST", path(client, "/enable"))
            #expect(response.status == 200)
            let enabled = try response.decode(SandboxConfig.self)
            #expect(enabled.enabled)
            #expect(enabled.version == 4)
            #expect(enabled.name == Self.sample().name)
            #expect(await server.config(id: Self.webhookId)?.enabled == true)
            #expect(try await client.send("POST", client.configsPath() + "/\(UUID())/enable").status == 404)
        }
    }

    @Test("creates with 200 and version 1, then retrieves and deletes it")
    func createAndDelete() async throws {
        try await Self.withSample { server, client in
            let created = try await client.send(
                "POST", client.configsPath(),
                json: ["entityType": "Bill", "destination": "Xero", "name": "New, \"one\"", "configData": ["a": 1]]
            )
            #expect(created.status == 200)
            #expect(Set(created.object.keys) == specResponseFields)
            let config = try created.decode(SandboxConfig.self)
            #expect(config.version == 1)
            #expect(config.createdBy == SandboxOptions.defaultUserId)
            #expect(config.dtCreated == config.dtLastModified)
            let fetched = try await client.send("GET", client.configsPath() + "/" + config.id)
            #expect(try fetched.decode(SandboxConfig.self) == config)
            let deleted = try await client.send("DELETE", client.configsPath() + "/" + config.id)
            #expect(deleted.status == 200)
            #expect(try deleted.decode(SandboxConfig.self) == config)
            #expect(await server.config(id: config.id) == nil)
            #expect(try await client.send("GET", client.configsPath() + "/" + config.id).status == 404)
            #expect(await server.stats().writesById[config.id] == 2)
        }
    }

    @Test("validates create bodies like updates")
    func createValidation() async throws {
        try await Self.withSample { server, client in
            let response = try await client.send("POST", client.configsPath(), json: ["destination": "Stripe"])
            #expect(response.status == 400)
            #expect(response.message == "entityType is required")
            #expect(await server.configs().count == 3)
        }
    }

    @Test("answers unknown paths with 404 and wrong methods with 405, as JSON messages")
    func unknownRoutes() async throws {
        try await Self.withSample { _, client in
            let missing = try await client.send("GET", "/organizations/\(client.orgId)/meters")
            #expect(missing.status == 404)
            #expect(!missing.message.isEmpty)
            let wrong = try await client.send("PATCH", path(client), json: [:] as [String: Any])
            #expect(wrong.status == 405)
            #expect(!wrong.message.isEmpty)
        }
    }
}
