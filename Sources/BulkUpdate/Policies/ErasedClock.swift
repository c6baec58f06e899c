/// A monotonic timeline measured from the moment it was created, over any `Clock<Duration>`.
///
/// Policies do their arithmetic on plain `Duration` offsets so they stay pure value types; this
/// type connects those offsets to a real (or, in tests, manual) clock without making every actor
/// generic over its clock.
public struct ErasedClock: Sendable {
    private let nowOffset: @Sendable () -> Duration
    private let sleeper: @Sendable (Duration) async throws -> Void

    /// Wraps `clock`; offset zero is `clock.now` at this call.
    public init<C: Clock>(_ clock: C) where C.Duration == Duration {
        let origin = clock.now
        nowOffset = { origin.duration(to: clock.now) }
        sleeper = { offset in try await clock.sleep(until: origin.advanced(by: offset), tolerance: nil) }
    }

    /// The time elapsed since this timeline was created.
    public var now: Duration { nowOffset() }

    /// Suspends until the timeline reaches `offset`; throws `CancellationError` when cancelled.
    public func sleep(until offset: Duration) async throws {
        try await sleeper(offset)
    }

    /// Suspends for `duration` from now.
    public func sleep(for duration: Duration) async throws {
        try await sleeper(now + duration)
    }
}

extension Duration {
    /// The duration as a floating-point number of seconds.
    var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }

    /// A duration from a floating-point number of seconds (negative values become zero).
    static func seconds(exactly value: Double) -> Duration {
        guard value > 0, value.isFinite else { return .zero }
        return .nanoseconds(Int64((value * 1e9).rounded()))
    }
}
