/// What to do when a config's version moved since planning and the changed fields still hold
/// their planned `before` values.
public enum ConflictPolicy: String, Sendable, Hashable, Codable, CaseIterable {
    /// Re-apply the change on top of the new state (other users' changes to other fields survive).
    case reapply
    /// Report the item as a conflict and leave it alone.
    case skip
}

/// How the executor runs a plan.
public struct ExecutionOptions: Sendable, Hashable, Codable {
    /// Items in flight at once (each is one config: never two writes to one config at a time).
    public var concurrency: Int
    /// Stop dispatching once this many items have failed (`nil`: never).
    public var maxFailures: Int?
    /// Apply this many items first and stop if any of them fails or conflicts.
    public var canary: Int?
    public var onConflict: ConflictPolicy
    /// Requests spent on one item's write before it is `failed`.
    public var maxAttempts: Int

    public init(
        concurrency: Int = 16, maxFailures: Int? = nil, canary: Int? = nil, onConflict: ConflictPolicy = .reapply,
        maxAttempts: Int = 6
    ) {
        self.concurrency = max(1, concurrency)
        self.maxFailures = maxFailures
        self.canary = canary
        self.onConflict = onConflict
        self.maxAttempts = max(1, maxAttempts)
    }
}
