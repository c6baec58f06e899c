/// The journal benchmark suite (to be written with its issue).
enum JournalBenchmark {
    static func run(_ arguments: [String]) async throws {
        print("journal: not written yet")
    }
}
