/// Everything a journal holds, in file order.
public struct JournalContents: Sendable, Hashable {
    /// The header line and one `resume` line per resumed run, in order.
    public var headers: [JournalHeader]
    /// Every outcome record, in the order it was written (an item may appear more than once).
    public var outcomes: [ItemOutcome]
    /// The last record for each item id: what a resumed run and the report go by.
    public var lastOutcomeById: [String: ItemOutcome]
    /// True when the last line was cut short (the process died mid-write) and was ignored.
    public var tornTail: Bool
    /// The number of bytes up to and including the last valid line; a writer truncates the torn rest.
    public var validLength: Int
    /// Every rate change (`bulk-update rethrottle`), in the order it was written.
    public var rateChanges: [RateChange]
    /// The rate the run was at when the journal ends, in requests per second (0: paused): the last
    /// rate change, or the `rate` option of a header written after it; `nil` when neither names one
    /// (the run used the default rate).
    public var lastRate: Double?
    /// The same, but the last rate that let requests go: a pause in force when the run stopped is
    /// not carried over, so a resumed run starts at the rate in force before it.
    public var lastRunningRate: Double?

    /// Creates contents (for tests and tools; the reader builds them from a file).
    public init(
        headers: [JournalHeader], outcomes: [ItemOutcome], lastOutcomeById: [String: ItemOutcome], tornTail: Bool,
        validLength: Int, rateChanges: [RateChange] = [], lastRate: Double? = nil, lastRunningRate: Double? = nil
    ) {
        self.headers = headers
        self.outcomes = outcomes
        self.lastOutcomeById = lastOutcomeById
        self.tornTail = tornTail
        self.validLength = validLength
        self.rateChanges = rateChanges
        self.lastRate = lastRate
        self.lastRunningRate = lastRunningRate
    }

    /// The plan fingerprint the journal belongs to (`nil` for an empty file).
    public var planFingerprint: String? { headers.first?.planFingerprint }

    /// Whether `id` has a final record, so a resumed run skips it.
    public func isFinished(_ id: String) -> Bool { lastOutcomeById[id]?.status.isFinal ?? false }
}
