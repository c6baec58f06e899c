import Foundation

/// A `Clock` for tests: time moves only when the test says so, or, in auto-advance mode, jumps to
/// each sleeper's deadline at once (so code that waits runs instantly and deterministically).
final class ManualClock: Clock, @unchecked Sendable {
    struct Instant: InstantProtocol {
        var offset: Duration

        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private struct Sleeper {
        var id: Int
        var deadline: Duration
        var continuation: CheckedContinuation<Void, any Error>
    }

    private let lock = NSLock()
    private let autoAdvance: Bool
    private var current: Duration = .zero
    private var sleepers: [Sleeper] = []
    private var cancelled: Set<Int> = []
    private var nextID = 0
    private var requestedSleeps: [Duration] = []

    /// A clock at offset zero; `autoAdvance` makes every sleep jump the clock to its deadline.
    init(autoAdvance: Bool = false) {
        self.autoAdvance = autoAdvance
    }

    var now: Instant { lock.withLock { Instant(offset: current) } }

    var minimumResolution: Duration { .nanoseconds(1) }

    /// The offset since the start.
    var elapsed: Duration { now.offset }

    /// Every sleep's length as requested (deadline minus now at the call), in order.
    var sleeps: [Duration] { lock.withLock { requestedSleeps } }

    /// How many tasks are sleeping now.
    var sleeperCount: Int { lock.withLock { sleepers.count } }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        try Task.checkCancellation()
        let id: Int? = lock.withLock {
            requestedSleeps.append(deadline.offset - current)
            if autoAdvance || deadline.offset <= current {
                current = max(current, deadline.offset)
                return nil
            }
            nextID += 1
            return nextID
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let alreadyCancelled = lock.withLock {
                    if cancelled.contains(id) { return true }
                    sleepers.append(Sleeper(id: id, deadline: deadline.offset, continuation: continuation))
                    return false
                }
                if alreadyCancelled { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let sleeper: Sleeper? = lock.withLock {
                cancelled.insert(id)
                guard let index = sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward and wakes every sleeper whose deadline has come.
    func advance(by duration: Duration) {
        let due: [Sleeper] = lock.withLock {
            current += duration
            let due = sleepers.filter { $0.deadline <= current }
            sleepers.removeAll { $0.deadline <= current }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Waits (yielding, never sleeping) until `count` tasks are asleep on this clock; gives up after
    /// a generous number of yields so a broken test fails instead of hanging.
    func waitForSleepers(_ count: Int) async {
        var spins = 0
        while sleeperCount < count, spins < 1_000_000 {
            spins += 1
            await Task.yield()
        }
    }
}
