import ArgumentParser
import BulkUpdate
import Foundation

/// `bulk-update rethrottle RUN_DIR --rate N`: changes the rate of the apply or resume running on a
/// run directory; `--rate 0` pauses it.
struct RethrottleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rethrottle",
        abstract: "Change the request rate of a running apply or resume, or pause it (--rate 0).",
        discussion: """
            Writes the request to control.json in the run directory; the process running on it reads \
            that file every 0.2 s, switches its rate limiter, and journals the change, which this \
            command waits for before it prints the old and new rate. With --rate 0 no new request is \
            sent (the ones in flight finish) until a positive rate comes. The run's lock is never \
            taken: the running process keeps it.

            A resumed run starts at the last rate journaled (a pause is not carried over) unless \
            --rate is given to resume.

            Exit status: 0 the running process took the new rate; 1 it did not confirm it in time, or \
            another rethrottle replaced the request; 2 no process is running on the directory (or it \
            is not a run directory).

            Examples:
              bulk-update rethrottle runs/20261129T101500Z --rate 0
              bulk-update rethrottle runs/20261129T101500Z --rate 20
            """
    )

    @Argument(help: "The run directory of the running apply or resume.", completion: .directory)
    var runDir: String

    @Option(help: "The new rate in requests per second; 0 pauses.")
    var rate: Double

    func validate() throws {
        guard rate.isFinite, rate >= 0 else { throw ValidationError("--rate must be 0 (pause) or more") }
    }

    func run() async throws {
        if let warning = RateLimiter.warning(forRate: rate) { Terminal.errorLine("warning: \(warning)") }
        let change: RateChange
        let pid: Int32
        do {
            let pending = try await RunControl.requestRate(rate, in: URL(fileURLWithPath: runDir))
            pid = pending.request.pid
            change = try await RunControl.confirmation(of: pending)
        } catch {
            Terminal.errorLine("error: \(error)")
            switch error {
            case .notARunDirectory, .notRunning, .ended: throw Exit.invalid
            case .notConfirmed, .superseded, .fileSystem: throw Exit.problems
            }
        }
        var line = "process \(pid) on \(runDir): \(RateChange.label(change.previousRate)) → "
        line += RateChange.label(change.rate)
        if change.pauses {
            line += " (no new requests; the ones in flight finish; continue with: bulk-update rethrottle \(runDir) "
            line += "--rate N)"
        }
        print(line)
    }
}
