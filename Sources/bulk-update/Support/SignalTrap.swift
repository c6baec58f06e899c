import BulkUpdate
import Dispatch
import Foundation

/// SIGINT/SIGTERM handling for a run: the first signal asks the run to stop dispatching and drain;
/// a second one exits at once (the journal is valid at every record boundary).
final class SignalTrap {
    private let sources: [any DispatchSourceSignal]

    /// Installs the trap; `onFirst` is told which signal arrived first.
    init(stop: StopSignal, onFirst: @escaping @Sendable (Int32) -> Void) {
        let queue = DispatchQueue(label: "bulk-update.signals")
        let seen = SignalCount()
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                if seen.increment() == 1 {
                    stop.request(.interrupted)
                    onFirst(number)
                } else {
                    FileHandle.standardError.write(Data("\nsecond signal: exiting now; the journal is intact\n".utf8))
                    _exit(128 + number)
                }
            }
            source.resume()
            return source
        }
    }

    /// Restores the default handlers.
    func cancel() {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}

private final class SignalCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func increment() -> Int {
        lock.withLock {
            count += 1
            return count
        }
    }
}
