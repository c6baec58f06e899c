/// The engine benchmark suite (to be written with its issue).
enum EngineBenchmark {
    static func run(_ arguments: [String]) async throws {
        print("engine: not written yet")
    }
}
