/// What the executor reports while it runs, for the progress display.
public enum ExecutionEvent: Sendable, Hashable {
    /// The run started with this many items to process (items already final excluded).
    case started(total: Int)
    /// A wave began.
    case waveStarted(wave: Int, items: Int)
    /// An item reached its outcome (already durable in the journal when this is sent).
    case finished(ItemOutcome)
    /// Dispatch stopped early; in-flight items are draining.
    case stopping(StopReason)
    /// The rate changed (`bulk-update rethrottle`); a rate of 0 pauses.
    case rateChanged(RateChange)
}

/// What a run of the executor ended with.
public struct ExecutionResult: Sendable, Hashable {
    /// One outcome per item that reached one, in completion order.
    public var outcomes: [ItemOutcome]
    /// Set when the run stopped early (resumable).
    public var stopReason: StopReason?
    /// Writes sent again after a 408, 429, 5xx or refused connection (the client's own retries of
    /// reads and 429s are counted in its metrics).
    public var resends: Int

    public init(outcomes: [ItemOutcome], stopReason: StopReason?, resends: Int = 0) {
        self.outcomes = outcomes
        self.stopReason = stopReason
        self.resends = resends
    }
}
