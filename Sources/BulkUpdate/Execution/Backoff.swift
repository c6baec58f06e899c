/// The delay before retry `attempt` (1-based): `min(0.5·2ⁿ⁻¹, 8)` seconds, with full jitter
/// over the upper half so that many items retrying at once spread out.
public struct Backoff: Sendable {
    public var base: Double
    public var cap: Double

    public init(base: Double = 0.5, cap: Double = 8) {
        self.base = base
        self.cap = cap
    }

    /// The delay for `attempt`, with `unit` a random number in 0..<1 (injected for tests).
    public func delay(attempt: Int, unit: Double) -> Duration {
        let ceiling = min(base * Double(1 << min(max(attempt - 1, 0), 16)), cap)
        return .milliseconds(Int64((ceiling * (0.5 + 0.5 * unit)) * 1000))
    }
}
