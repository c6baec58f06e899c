/// m3ter's rate limit for one org: at most `limit` requests in each fixed one-second window
/// (aligned to whole seconds of the clock); once spent, every request is refused until the next
/// window starts.
///
/// A pure value type: the caller passes the time, so tests drive it without sleeping.
public struct RateWindow: Sendable, Equatable {
    /// The outcome for one request.
    public enum Decision: Sendable, Equatable {
        /// Admitted.
        case allowed
        /// Refused; the current window ends in `remaining` seconds (0 < remaining ≤ 1).
        case throttled(remaining: Double)
    }

    private var window: Int64 = .min
    private var count = 0

    /// An empty window.
    public init() {}

    /// Counts a request at `time` (seconds since any fixed epoch) against `limit` (0 = unlimited).
    public mutating func admit(at time: Double, limit: Int) -> Decision {
        guard limit > 0 else { return .allowed }
        let current = Int64(time.rounded(.down))
        if current != window {
            window = current
            count = 0
        }
        guard count < limit else {
            return .throttled(remaining: Double(current + 1) - time)
        }
        count += 1
        return .allowed
    }
}
