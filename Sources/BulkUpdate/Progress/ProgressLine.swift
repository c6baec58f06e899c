import Foundation

/// The state behind the progress display, fed by ``ExecutionEvent``s; renders one line.
///
/// Pure: the caller supplies the time and the current request rate, so rendering is testable.
public struct ProgressLine: Sendable, Hashable {
    public private(set) var total = 0
    public private(set) var done = 0
    public private(set) var counts: [OutcomeStatus: Int] = [:]
    public private(set) var stopping: StopReason?
    /// The rate set by `bulk-update rethrottle` while the run goes (0: paused); `nil`: as started.
    public private(set) var rate: Double?
    public let startedAt: ContinuousClock.Instant

    public init(startedAt: ContinuousClock.Instant) {
        self.startedAt = startedAt
    }

    /// Takes one executor event into account.
    public mutating func apply(_ event: ExecutionEvent) {
        switch event {
        case .started(let total): self.total = total
        case .waveStarted: break
        case .finished(let outcome):
            done += 1
            counts[outcome.status, default: 0] += 1
        case .stopping(let reason): stopping = reason
        case .rateChanged(let change): rate = change.rate
        }
    }

    /// The line: `412/1000 41% · applied 400 · unchanged 10 · failed 2 · 39.8 req/s · ETA 15s`.
    ///
    /// After a `rethrottle`, the new limit follows the measured rate (`· limit 20 req/s`), or, while
    /// paused, `· paused: no new requests (rethrottle --rate N continues)` replaces the ETA.
    ///
    /// - Parameters:
    ///   - now: the current instant.
    ///   - requestRate: requests per second over the last few seconds.
    ///   - throttled: the rate limiter is pausing after a 429.
    public func render(now: ContinuousClock.Instant, requestRate: Double, throttled: Bool) -> String {
        let percent = total == 0 ? 100 : Int((Double(done) / Double(total) * 100).rounded(.down))
        var parts = ["\(done)/\(total) \(percent)%"]
        let shown: [OutcomeStatus] = [.applied, .enabled, .unchanged, .conflict, .failed, .skipped]
        for status in shown {
            let count = counts[status] ?? 0
            if count > 0 || status == .applied || status == .failed { parts.append("\(status.rawValue) \(count)") }
        }
        parts.append(String(format: "%.1f req/s", requestRate))
        let paused = rate.map { $0 <= 0 } ?? false
        if let rate, !paused { parts.append("limit \(RateChange.label(rate))") }
        let elapsed = (now - startedAt).seconds
        if let stopping {
            parts.append("stopping (\(stopping.rawValue)): finishing requests in flight")
        } else if paused {
            parts.append("paused: no new requests (rethrottle --rate N continues)")
        } else if done > 0, done < total, elapsed > 0 {
            let remaining = Double(total - done) / (Double(done) / elapsed)
            parts.append("ETA \(Self.duration(remaining))")
        }
        if throttled { parts.append("throttled: pausing after HTTP 429") }
        return parts.joined(separator: " · ")
    }

    /// `42s`, `3m05s`, `1h02m`.
    public static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.up))
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return String(format: "%dm%02ds", whole / 60, whole % 60) }
        return String(format: "%dh%02dm", whole / 3600, (whole % 3600) / 60)
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    public var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}
