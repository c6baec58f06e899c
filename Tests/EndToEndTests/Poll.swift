import Foundation

/// Waiting in tests: every wait is a poll with a deadline, never a fixed sleep.
enum Poll {
    /// The condition did not hold before the deadline.
    struct TimedOut: Error, CustomStringConvertible {
        var what: String
        var description: String { "timed out waiting for \(what)" }
    }

    /// Checks `condition` every 5 ms until it holds; throws ``TimedOut`` after `timeout`.
    static func until(
        _ what: String, timeout: Duration = .seconds(10), _ condition: () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            if try await condition() { return }
            guard ContinuousClock.now < deadline else { throw TimedOut(what: what) }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
