import BulkUpdate
import Foundation

/// The progress line on stderr: redrawn in place on a terminal, a plain line every few seconds
/// otherwise, nothing with `--quiet`.
enum ProgressDisplay {
    /// Live figures from the rate limiter and request metrics.
    typealias Status = @Sendable () async -> (requestRate: Double, throttled: Bool)

    /// Consumes `events` until the stream ends, drawing the line as it goes.
    static func run(events: AsyncStream<ExecutionEvent>, quiet: Bool, status: @escaping Status) async {
        let line = LineState(ProgressLine(startedAt: .now))
        let tty = Terminal.stderrIsTTY
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await event in events {
                    await line.apply(event)
                    // A rate change gets a line of its own, also in logs where the progress line is rare.
                    if case .rateChanged(let change) = event, !quiet {
                        Terminal.error((tty ? "\r\u{1B}[2K" : "") + Self.describe(change) + "\n")
                    }
                }
            }
            group.addTask {
                guard !quiet else { return }
                let interval: Duration = tty ? .milliseconds(250) : .seconds(5)
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    if Task.isCancelled { break }
                    let (rate, throttled) = await status()
                    let text = await line.state.render(now: .now, requestRate: rate, throttled: throttled)
                    Terminal.error(tty ? "\r\u{1B}[2K" + text : text + "\n")
                }
            }
            await group.next()
            group.cancelAll()
        }
        guard !quiet else { return }
        let (rate, _) = await status()
        let text = await line.state.render(now: .now, requestRate: rate, throttled: false)
        Terminal.error(tty ? "\r\u{1B}[2K" + text + "\n" : text + "\n")
    }

    /// `rethrottle: 40 req/s → paused (no new requests; the ones in flight finish)`.
    static func describe(_ change: RateChange) -> String {
        let what = "rethrottle: \(RateChange.label(change.previousRate)) → \(RateChange.label(change.rate))"
        return change.pauses ? what + " (no new requests; the ones in flight finish)" : what
    }
}

private actor LineState {
    var state: ProgressLine

    init(_ state: ProgressLine) {
        self.state = state
    }

    func apply(_ event: ExecutionEvent) {
        state.apply(event)
    }
}
