import Foundation

/// The sandbox's initial configs: generated deterministically from (count, seed), or read from a file.
public enum SeedData {
    /// `count` realistic configs, the same for the same `(count, seed)`.
    ///
    /// The mix: about two thirds `Bill` configs to Stripe, Netsuite or Xero, one third
    /// `Notification` configs to Webhook with `entityId` and `destinationId`; a few shared
    /// `integrationCredentialsId` groups per destination (so selectors match many configs); nested
    /// `configData` with a secret-looking key; about one in seven disabled; names with commas and
    /// quotes; a few configs created in the same millisecond (so the id tie-break matters).
    public static func generate(count: Int, seed: UInt64, orgUsers: [String] = defaultUsers) -> [SandboxConfig] {
        var random = SeededRandom(seed: seed)
        let destinations = DestinationPool(random: &random)
        var created = Date(timeIntervalSince1970: 1_704_067_200)  // 2024-01-01T00:00:00Z
        var configs: [SandboxConfig] = []
        configs.reserveCapacity(count)
        for index in 0..<count {
            if index % 10 != 9 { created += TimeInterval(Int.random(in: 60...86_400, using: &random)) }
            let modified = created + TimeInterval(Int.random(in: 0...2_000_000, using: &random))
            let user = orgUsers[Int.random(in: 0..<orgUsers.count, using: &random)]
            let enabled = !random.chance(0.15)
            var config: SandboxConfig
            if random.chance(0.35) {
                config = webhook(index: index, destinations: destinations, random: &random)
            } else {
                config = bill(index: index, destinations: destinations, random: &random)
            }
            config.id = random.uuid()
            config.version = Int64.random(in: 1...7, using: &random)
            config.enabled = enabled
            config.authorized = enabled || random.chance(0.5)
            config.dtCreated = SandboxTime.format(created)
            config.dtLastModified = SandboxTime.format(config.version == 1 ? created : modified)
            config.createdBy = user
            config.lastModifiedBy = config.version == 1 ? user : orgUsers[(index + 1) % orgUsers.count]
            configs.append(config)
        }
        return configs
    }

    /// Reads configs from a JSON file: an array of configs or an object with a `configs` array
    /// (the shape of `GET /_sandbox/state`). Ids must be unique and timestamps ISO-8601.
    public static func load(_ url: URL) throws(SandboxError) -> [SandboxConfig] {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadableDataFile(path: url.path, reason: error.localizedDescription)
        }
        let configs: [SandboxConfig]
        do {
            if data.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: "[") {
                configs = try JSONDecoder().decode([SandboxConfig].self, from: data)
            } else {
                configs = try JSONDecoder().decode(StateFile.self, from: data).configs
            }
        } catch {
            throw .unreadableDataFile(path: url.path, reason: describe(error))
        }
        var seen = Set<String>()
        var normalized: [SandboxConfig] = []
        for var config in configs {
            guard seen.insert(config.id).inserted else {
                throw .invalidData(path: url.path, reason: "duplicate id \(config.id)")
            }
            guard let created = SandboxTime.parse(config.dtCreated) else {
                throw .invalidData(path: url.path, reason: "config \(config.id): dtCreated is not ISO-8601")
            }
            guard !config.entityType.isEmpty, !config.destination.isEmpty else {
                throw .invalidData(
                    path: url.path, reason: "config \(config.id): entityType and destination are required")
            }
            config.dtCreated = SandboxTime.format(created)
            normalized.append(config)
        }
        return normalized
    }

    /// Users that appear as `createdBy`/`lastModifiedBy` of generated configs.
    public static let defaultUsers = [
        "0b9c3f5e-7a21-4d8b-a6e4-1c2d3e4f5a6b", "3e1a7c44-92b0-4f6d-8c15-a0b1c2d3e4f5",
        "c7d8e9f0-1a2b-4c3d-9e4f-5a6b7c8d9e0f",
    ]

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            "missing '\(key.stringValue)' at \(path(context))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "\(context.debugDescription) at \(path(context))"
        case DecodingError.dataCorrupted(let context):
            context.debugDescription
        default:
            error.localizedDescription
        }
    }

    private static func path(_ context: DecodingError.Context) -> String {
        let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return path.isEmpty ? "top level" : path
    }

    private static func bill(index: Int, destinations: DestinationPool, random: inout SeededRandom) -> SandboxConfig {
        let system = ["Stripe", "Stripe", "Netsuite", "Xero"][Int.random(in: 0..<4, using: &random)]
        let accounts = destinations.accounts[system] ?? []
        let credentials = destinations.credentials[system] ?? []
        var data: [String: SandboxJSON]
        var name: String
        switch system {
        case "Stripe":
            data = [
                "accountId": .string("acct_\(hex(&random, 8))"),
                "invoice": .object([
                    "autoAdvance": .bool(random.chance(0.7)), "daysUntilDue": .int([14, 30, 45][index % 3]),
                    "collectionMethod": .string(random.chance(0.5) ? "send_invoice" : "charge_automatically"),
                ]),
                "apiSecret": .string("sk_test_\(hex(&random, 12))"),
            ]
            name = ["Stripe invoices, EU", "Stripe \"live\" billing", "Stripe – net 30, monthly"][index % 3]
        case "Netsuite":
            data = [
                "subsidiary": .object(["id": .string(String(index % 5 + 1)), "name": .string("Acme, Ltd.")]),
                "itemMapping": .object(["usage": .string("4001"), "minimum": .string("4002")]),
                "password": .string(hex(&random, 10)),
            ]
            name = ["Netsuite \"Acme, Ltd.\" AR", "Netsuite bills, subsidiary \(index % 5 + 1)"][index % 2]
        default:
            data = [
                "tenantId": .string(random.uuid()),
                "mapping": .object(["accountCode": .string("200"), "taxType": .string("OUTPUT2")]),
                "clientSecret": .string(hex(&random, 16)),
            ]
            name = ["Xero, UK ledger", "Xero \"sandbox\" org"][index % 2]
        }
        return SandboxConfig(
            id: "", entityType: "Bill", destination: system,
            destinationId: accounts.isEmpty || random.chance(0.3)
                ? nil : accounts[Int.random(in: 0..<accounts.count, using: &random)],
            configData: data, triggerType: "EVENT",
            integrationCredentialsId: random.chance(0.1)
                ? nil : credentials[Int.random(in: 0..<credentials.count, using: &random)],
            name: "\(name) #\(index + 1)", dtCreated: ""
        )
    }

    private static func webhook(
        index: Int, destinations: DestinationPool, random: inout SeededRandom
    ) -> SandboxConfig {
        let hooks = destinations.accounts["Webhook"] ?? []
        let credentials = destinations.credentials["Webhook"] ?? []
        let hook = Int.random(in: 0..<hooks.count, using: &random)
        let name = ["Alert \"ops\" webhook", "Usage alerts, finance", "Webhook: \"billing, EU\""][index % 3]
        return SandboxConfig(
            id: "", entityType: "Notification", entityId: random.uuid(), destination: "Webhook",
            destinationId: hooks[hook],
            configData: [
                "url": .string("https://hooks.example.com/m3ter/\(hook + 1)"),
                "headers": .object(["X-Team": .string(["billing", "ops", "finance"][hook % 3])]),
                "retry": .object(["maxAttempts": .int(Int64(3 + hook % 3)), "backoffSeconds": .double(1.5)]),
                "signingSecret": .string("whsec_\(hex(&random, 12))"),
            ],
            triggerType: "EVENT",
            integrationCredentialsId: credentials[Int.random(in: 0..<credentials.count, using: &random)],
            name: "\(name) #\(index + 1)", dtCreated: ""
        )
    }

    private static func hex(_ random: inout SeededRandom, _ bytes: Int) -> String {
        (0..<bytes).map { _ in
            let byte = UInt8.random(in: 0...255, using: &random)
            return (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }.joined()
    }
}

/// The shape of `GET /_sandbox/state` and of a data file that is an object.
struct StateFile: Codable {
    var orgId: String?
    var configs: [SandboxConfig]
}

/// Destination accounts and credential groups shared by generated configs.
private struct DestinationPool {
    var accounts: [String: [String]] = [:]
    var credentials: [String: [String]] = [:]

    init(random: inout SeededRandom) {
        for (system, accountCount, credentialCount) in [
            ("Stripe", 2, 2), ("Netsuite", 2, 2), ("Xero", 1, 1), ("Webhook", 5, 3),
        ] {
            accounts[system] = (0..<accountCount).map { _ in random.uuid() }
            credentials[system] = (0..<credentialCount).map { _ in random.uuid() }
        }
    }
}
