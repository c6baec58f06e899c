/// The planner benchmark suite (to be written with its issue).
enum PlannerBenchmark {
    static func run(_ arguments: [String]) async throws {
        print("planner: not written yet")
    }
}
