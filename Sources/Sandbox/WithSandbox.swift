/// Runs `body` with a started sandbox and stops it afterwards, also when `body` throws.
@discardableResult
public func withSandbox<T>(
    _ options: SandboxOptions = SandboxOptions(), isolation: isolated (any Actor)? = #isolation,
    _ body: (SandboxServer) async throws -> T
) async throws -> T {
    let server = try await SandboxServer.start(options)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}
