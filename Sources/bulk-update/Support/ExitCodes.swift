import ArgumentParser

/// The exit codes of DESIGN.md, by name.
enum Exit {
    /// All applied or unchanged.
    static let ok = ExitCode(0)
    /// Finished with failed or conflicted items.
    static let problems = ExitCode(1)
    /// Invalid change list or plan, or no confirmation: nothing sent.
    static let invalid = ExitCode(2)
    /// Stopped early; resumable.
    static let stopped = ExitCode(3)
    /// Could not connect or authenticate before any write.
    static let unreachable = ExitCode(4)
}
