/// The sandbox benchmark suite (to be written with its issue).
enum SandboxBenchmark {
    static func run(_ arguments: [String]) async throws {
        print("sandbox: not written yet")
    }
}
