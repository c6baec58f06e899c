import Foundation

/// A change of the request rate while a run was going (`"type":"rate"` in the journal): asked for
/// with `bulk-update rethrottle`, taken by the running process, journaled by it.
///
/// A resumed run starts at the last rate journaled (see ``JournalContents/lastRunningRate``), and the
/// report's timeline marks every change.
public struct RateChange: Sendable, Hashable, Codable {
    /// When the running process took the new rate.
    public var time: Date
    /// The rate in force before, in requests per second (0: it was paused).
    public var previousRate: Double
    /// The new rate, in requests per second (0: paused, no new request is sent).
    public var rate: Double
    /// The id of the `rethrottle` request that asked for it (``RateRequest/request``), if any.
    public var request: String?

    /// Creates a rate change record.
    public init(time: Date, previousRate: Double, rate: Double, request: String? = nil) {
        self.time = time
        self.previousRate = previousRate
        self.rate = rate
        self.request = request
    }

    /// Whether the change paused the run.
    public var pauses: Bool { rate <= 0 }

    /// `paused` or `30 req/s` (the rate without a needless fraction).
    public static func label(_ rate: Double) -> String {
        rate <= 0 ? "paused" : "\(number(rate)) req/s"
    }

    /// The rate as a plain number: `30`, `2.5`.
    public static func number(_ rate: Double) -> String {
        rate.rounded() == rate && abs(rate) < 1e15 ? String(Int64(rate)) : String(rate)
    }
}
