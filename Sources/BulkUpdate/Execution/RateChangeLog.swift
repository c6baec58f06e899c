/// A session's rate changes on their way to the journal.
///
/// The session follows `rethrottle` from its start, but opens the journal only after reading the
/// configs it needs: changes taken before that wait here, and are journaled (in order) right after
/// the journal's header line. Once the executor is done the log closes, and the session stops
/// following requests.
actor RateChangeLog {
    private var journal: JournalWriter?
    private var pending: [RateChange] = []
    private var isClosed = false

    /// Every change taken, in order.
    private(set) var changes: [RateChange] = []

    /// Whether changes are still taken.
    var isOpen: Bool { !isClosed }

    /// Records `change`: journaled now, or when the journal opens. Dropped once closed.
    ///
    /// - Throws: ``JournalError`` when the journal cannot be written.
    func record(_ change: RateChange) async throws {
        guard !isClosed else { return }
        changes.append(change)
        if let journal {
            try await journal.append(change)
        } else {
            pending.append(change)
        }
    }

    /// The journal is open: writes the changes that waited for it, then journals new ones directly.
    ///
    /// - Throws: ``JournalError``.
    func attach(_ journal: JournalWriter) async throws {
        // Changes recorded while this waits on the journal join `pending` and are written in turn.
        while !pending.isEmpty {
            let batch = pending
            pending = []
            for change in batch { try await journal.append(change) }
        }
        self.journal = journal
    }

    /// Stops taking changes (the executor is done and the journal about to close).
    func close() {
        isClosed = true
    }
}
