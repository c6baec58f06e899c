import BulkUpdate
import Foundation
import Planner

/// An in-memory `ConfigAPI` with m3ter's version rule and scripted faults, for executor tests.
actor FakeConfigAPI: ConfigAPI {
    enum Fault: Sendable {
        /// Fail the write before it commits with this error.
        case before(APIError)
        /// Commit the write, then lose the response.
        case lostResponse
        /// Commit the write, then answer with this error (a 5xx after the commit).
        case after(APIError)
    }

    var configs: [String: IntegrationConfig]
    var writes: [String: Int] = [:]
    var reads = 0
    var putFaults: [String: [Fault]] = [:]
    var enableFaults: [String: [Fault]] = [:]
    /// Runs before a PUT is checked, to simulate another user's edit racing ours.
    var beforePut: [String: @Sendable (inout IntegrationConfig) -> Void] = [:]
    /// Report a version mismatch as a plain 400 whose message does not mention the version.
    var plainMismatch = false

    init(_ configs: [IntegrationConfig]) {
        self.configs = Dictionary(uniqueKeysWithValues: configs.map { ($0.id, $0) })
    }

    func scriptPut(_ id: String, _ faults: [Fault]) { putFaults[id] = faults }
    func scriptEnable(_ id: String, _ faults: [Fault]) { enableFaults[id] = faults }
    func race(_ id: String, _ edit: @escaping @Sendable (inout IntegrationConfig) -> Void) { beforePut[id] = edit }
    func reportMismatchAsPlain400() { plainMismatch = true }

    func listConfigs(destinationId: String?) async throws(APIError) -> [IntegrationConfig] {
        reads += 1
        return Array(configs.values)
    }

    func getConfig(id: String) async throws(APIError) -> IntegrationConfig {
        reads += 1
        guard let config = configs[id] else { throw .notFound(message: "no config \(id)") }
        return config
    }

    func updateConfig(id: String, body: UpdateBody) async throws(APIError) -> IntegrationConfig {
        if let edit = beforePut.removeValue(forKey: id), var config = configs[id] {
            edit(&config)
            config.version += 1
            configs[id] = config
        }
        let fault = putFaults[id]?.isEmpty == false ? putFaults[id]?.removeFirst() : nil
        if case .before(let error) = fault { throw error }
        guard var config = configs[id] else { throw .notFound(message: "no config \(id)") }
        guard body.version == config.version else {
            if plainMismatch { throw .http(status: 400, message: "Bad request") }
            throw .versionConflict(
                status: 400, message: "version mismatch: sent \(body.version), current \(config.version)")
        }
        config.entityType = body.entityType
        config.entityId = body.entityId
        config.destination = body.destination
        config.destinationId = body.destinationId
        config.configData = body.configData
        config.integrationCredentialsId = body.integrationCredentialsId
        config.name = body.name
        config.version += 1
        configs[id] = config
        writes[id, default: 0] += 1
        try Self.answer(after: fault)
        return config
    }

    func enableConfig(id: String) async throws(APIError) -> IntegrationConfig {
        let fault = enableFaults[id]?.isEmpty == false ? enableFaults[id]?.removeFirst() : nil
        if case .before(let error) = fault { throw error }
        guard var config = configs[id] else { throw .notFound(message: "no config \(id)") }
        config.enabled = true
        config.version += 1
        configs[id] = config
        writes[id, default: 0] += 1
        try Self.answer(after: fault)
        return config
    }

    /// Throws what a committed write's scripted fault answers with; returns for a plain success.
    private static func answer(after fault: Fault?) throws(APIError) {
        switch fault {
        case .lostResponse?: throw .transport(message: "connection lost", requestSent: true)
        case .after(let error)?: throw error
        case .before?, nil: return
        }
    }
}

/// Builds a plan item the way the planner does, for tests that need one without a change list.
func makeItem(
    _ config: IntegrationConfig, _ change: ConfigChange, wave: Int = 0, expectedVersion: Int64? = nil
) -> PlanItem {
    let after = change.applied(to: config)
    var diff: [FieldChange] = []
    for field in ConfigField.allCases where field != .configData {
        let old = config.value(of: field)
        let new = after.value(of: field)
        if old != new { diff.append(FieldChange(path: [field.rawValue], before: old, after: new, secret: false)) }
    }
    let oldData = config.configData.map { Secrets.redact($0) } ?? [:]
    let newData = after.configData.map { Secrets.redact($0) } ?? [:]
    for key in Set(oldData.keys).union(newData.keys).sorted() where oldData[key] != newData[key] {
        diff.append(
            FieldChange(
                path: ["configData", key], before: oldData[key], after: newData[key], secret: Secrets.isSecretKey(key)))
    }
    let status: PlanItemStatus =
        !diff.isEmpty ? .update : (change.enable && config.enabled != true ? .enableOnly : .unchanged)
    return PlanItem(
        id: config.id, name: config.name, entityType: config.entityType, destination: config.destination,
        versionRead: config.version, expectedVersion: expectedVersion, diff: diff,
        enable: change.enable && config.enabled != true, enabledRead: config.enabled, wave: wave, inputLines: [2],
        status: status, change: change)
}

func sampleConfig(_ index: Int, version: Int64 = 3, enabled: Bool = true) -> IntegrationConfig {
    IntegrationConfig(
        id: String(format: "00000000-0000-4000-8000-%012d", index), version: version, entityType: "Bill",
        destination: "Stripe", configData: ["region": .string("eu"), "apiKey": .string("sk_live_\(index)")],
        enabled: enabled, integrationCredentialsId: "11111111-1111-4111-8111-111111111111", name: "config \(index)")
}
