import Foundation

/// The actor that owns the sandbox's state; every request and admin call goes through it.
actor SandboxStore {
    private var state: SandboxState
    private let now: @Sendable () -> Date

    init(state: SandboxState, now: @escaping @Sendable () -> Date) {
        self.state = state
        self.now = now
    }

    /// Marks a request as started; returns the latency to apply before `finish`.
    func begin() -> Duration { state.begin() }

    /// Answers a request started with `begin` and marks it finished.
    func finish(_ request: APIRequest) -> APIResponse {
        defer { state.end() }
        return state.handle(request, now: now())
    }

    func configs() -> [SandboxConfig] { state.orderedConfigs() }
    func config(id: String) -> SandboxConfig? { state.configs[id] }
    func stats() -> SandboxStats { state.stats }
    func faults() -> SandboxFaults { state.faults }
    func setFaults(_ faults: SandboxFaults) { state.faults = faults }
    func reset() { state.reset() }
    func insert(_ config: SandboxConfig) { state.insert(config) }
    func revokeTokens() { state.revokeTokens() }

    /// Stores `edited` as another user's edit of `id`, if the config is still at `version`.
    func replace(id: String, atVersion version: Int64, with edited: SandboxConfig, by user: String) -> Bool {
        guard state.configs[id]?.version == version else { return false }
        return state.mutate(id: id, now: now(), by: user) { $0 = edited }
    }
}
