import Planner

/// The next step for one plan item, decided from the config's live state.
///
/// This is the conflict rule and the lost-response rule as one pure function: the executor reads,
/// asks, and carries out the answer. It never sends a body built from anything but the live state.
public enum ItemDecision: Sendable, Hashable {
    /// Send `PUT …/{id}` with this body (its `version` is the live version).
    case put(UpdateBody)
    /// Send `POST …/{id}/enable`.
    case enable
    /// The item is done.
    case finish(OutcomeStatus, message: String?, reconciled: Bool)

    /// Decides what to do with `item` given the config as it is now.
    ///
    /// - Parameters:
    ///   - live: the config as just read from the API.
    ///   - baseVersion: the version this run last knew to be ours to build on: the plan's
    ///     `versionRead`, or the version our own successful write returned.
    ///   - written: whether a write of ours reached the server: confirmed by a response, or maybe
    ///     (a lost response in this run, or any item of a resumed run).
    ///   - onConflict: what to do when the version moved but the change still applies cleanly.
    public static func decide(
        item: PlanItem, live: IntegrationConfig, baseVersion: Int64, written: Written, onConflict: ConflictPolicy
    ) -> ItemDecision {
        let done: OutcomeStatus = item.status == .enableOnly ? .enabled : .applied
        let desired = item.change.applied(to: live)
        let needsPut = desired.updateBody != live.updateBody
        let needsEnable = item.enable && live.enabled != true
        let fieldsHeld = item.fieldsNotHeld(by: live).isEmpty

        func next() -> ItemDecision {
            if needsPut { return .put(desired.updateBody) }
            if needsEnable { return .enable }
            switch written {
            case .none: return .finish(.unchanged, message: nil, reconciled: false)
            case .maybe: return .finish(done, message: "found already applied", reconciled: true)
            case .confirmed: return .finish(done, message: nil, reconciled: false)
            }
        }

        func expectedVersionConflict(_ expected: Int64) -> ItemDecision {
            .finish(
                .conflict,
                message: "expected version \(expected) but the config is at version \(live.version); left untouched",
                reconciled: false)
        }

        if live.version == baseVersion {
            if let expected = item.expectedVersion, expected != live.version, baseVersion == item.versionRead {
                return expectedVersionConflict(expected)
            }
            return next()
        }
        // The version moved since we last knew it.
        if fieldsHeld && !needsEnable {
            if written != .none {
                return .finish(done, message: "found already applied at version \(live.version)", reconciled: true)
            }
            return .finish(
                .unchanged, message: "already holds the planned values at version \(live.version)", reconciled: false)
        }
        if let expected = item.expectedVersion, expected != live.version, !fieldsHeld {
            return expectedVersionConflict(expected)
        }
        if fieldsHeld { return next() }
        let drifted = item.fieldsDrifted(in: live)
        guard drifted.isEmpty else {
            let names = drifted.map { "'\($0)'" }.joined(separator: ", ")
            return .finish(
                .conflict,
                message: "moved from version \(baseVersion) to \(live.version) and its \(names) "
                    + "\(drifted.count == 1 ? "was" : "were") changed by someone else; left untouched",
                reconciled: false)
        }
        if onConflict == .skip {
            return .finish(
                .conflict,
                message: "moved from version \(baseVersion) to \(live.version); not re-applied (--on-conflict skip)",
                reconciled: false)
        }
        return next()
    }
}

/// Whether a write of ours reached the server.
public enum Written: Sendable, Hashable {
    /// Nothing of ours committed.
    case none
    /// A write may have committed: its response was lost, or a previous run may have sent it.
    case maybe
    /// A write of ours succeeded and we saw the response.
    case confirmed
}
