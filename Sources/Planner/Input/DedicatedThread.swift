import Foundation

/// Work run on a thread of its own while the caller does something else: reading a snapshot file
/// while the change list is read.
///
/// Not a task: both reads spread over cores with `DispatchQueue.concurrentPerform`, and when one
/// runs in a task its workers can take the pool threads the other task needs to start (measured:
/// the snapshot read then started a second late, after the change list).
public final class DedicatedThread<Value: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    /// Written once by the thread before `done` is signalled, read only after it is.
    private var result: Value?

    /// Starts `work` on a new thread.
    public init(_ work: @escaping @Sendable () -> Value) {
        let thread = Thread { [self] in
            result = work()
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Waits for the work to finish and returns its value (again on later calls).
    public func wait() -> Value {
        done.wait()
        done.signal()
        guard let result else { preconditionFailure("a dedicated thread finished without a value") }
        return result
    }
}

extension DedicatedThread where Value == Void {
    /// Runs `other` on a thread of its own while `body` runs on this one; returns when both are
    /// done. The two lanes of one input read this way: with `concurrentPerform` the second lane
    /// waited for a pool thread while the other input's lanes held them (measured: a change list's
    /// second half started half a second late, after the snapshot's scan).
    static func run(_ other: @escaping @Sendable () -> Void, alongside body: () -> Void) {
        let thread = DedicatedThread(other)
        body()
        thread.wait()
    }
}
