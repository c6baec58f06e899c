import Foundation

/// Builds a plan: resolves every row's selector against a snapshot, merges the rows that hit one
/// config, and computes each config's planned state, diff and status. Pure: values in, values out.
public enum PlanBuilder {
    /// Plans `changes` against `snapshot`.
    ///
    /// - Parameters:
    ///   - options: `requireMatch` turns "selector matches nothing" from a warning into an error.
    ///   - org, baseURL: recorded in the plan (the org it was computed for).
    /// - Returns: the plan and every diagnostic (the change list's own included). When
    ///   ``PlanResult/hasErrors`` is true the plan must not be applied.
    public static func build(
        changes: ChangeList, snapshot: Snapshot, options: PlanOptions = PlanOptions(), org: String? = nil,
        baseURL: String? = nil
    ) -> PlanResult {
        let file = changes.file
        var diagnostics: [Diagnostic] = []
        let resolution = resolve(changes.rows, in: snapshot, file: file, options: options, into: &diagnostics)

        // Waves ascend; inside a wave, input order (the order slots were first hit).
        let slotCount = resolution.slots.count
        let positionOf = wavePositions(resolution, rows: changes.rows)
        // Items are independent: compute them on every core, each written in place at its
        // position, with the digest of its encoding for the fingerprint. Lanes take the configs
        // in snapshot order (a file is then read front to back, and its pages handed back as the
        // lanes pass); what they report is put back in plan order below, so the result does not
        // depend on the number of cores or the order of work.
        let byConfig = resolution.slotsInSnapshotOrder()
        // Runs of at least 4,096 configs, many per core, so that a core slowed by other work does
        // not hold the others up, and the last run is short (with 8 runs a core, a million items'
        // last run kept one core working alone for 0.15 s).
        let lanes = min(ProcessInfo.processInfo.activeProcessorCount * 32, max(1, slotCount / 4_096))
        let outputs = ParallelSlots<LaneResult>(count: lanes)
        let perLane = (slotCount + lanes - 1) / max(lanes, 1)
        let digests = ItemDigests(count: slotCount)
        let items = [PlanItem](unsafeUninitializedCapacity: slotCount) { buffer, initialized in
            let storage = UncheckedBuffer(buffer)
            DispatchQueue.concurrentPerform(iterations: lanes) { lane in
                var result = LaneResult()
                var writer = JSONWriter(capacity: 4_096)
                var fast: FastItemBuilder?
                // Taken out of the snapshot once per run: matching the enum in the loop retained and
                // released the index, an object both cores share, for every item.
                var indexed: SnapshotIndex?
                if case .indexed(let index) = snapshot.storage {
                    fast = FastItemBuilder(index: index)
                    indexed = index
                }
                // Runs are taken from the two halves of the snapshot in turn (0, h, 1, h+1, …), so
                // the two cores usually work on configs far apart. A change list made in the
                // snapshot's order (an export, edited) then has each core's rows from its own half,
                // whose shared values (interned ids, repeated field changes) the other core does
                // not retain and release at the same moment.
                let half = (lanes + 1) / 2
                let run = lane % 2 == 0 ? lane / 2 : half + lane / 2
                let range = (run * perLane)..<min(slotCount, (run + 1) * perLane)
                var releasedFrom = -1
                for rank in range {
                    let slot = Int(byConfig[rank])
                    let position = positionOf.map { Int($0[slot]) } ?? slot
                    let configIndex = Int(resolution.slots[slot])
                    let head = Int(resolution.head[slot])
                    let item: PlanItem
                    let expectedVersion: Int64?
                    let firstLine: Int?
                    if resolution.entryNext[head] < 0 {
                        // One row (the common case): nothing to gather, nothing to conflict. The
                        // row is read where it lies (its change retained once, by the item).
                        let row = Int(resolution.entryRow[head])
                        var namedID: String?
                        if case .id(let id) = changes.rows[row].selector { namedID = id }
                        expectedVersion = changes.rows[row].expectedVersion
                        firstLine = changes.rows[row].line
                        item =
                            fast?.item(
                                at: configIndex, change: changes.rows[row].change, expectedVersion: expectedVersion,
                                wave: changes.rows[row].wave ?? 0, lines: InputLines(line: changes.rows[row].line),
                                id: namedID,
                                verified: resolution.entryByID[head])
                            ?? Self.item(
                                for: snapshot.config(at: configIndex), merged: ChangeMerger.merge(changes.rows[row]))
                    } else {
                        var conflicts = ConflictCollector(file: file)
                        let rows = resolution.rows(of: slot).map { changes.rows[Int($0)] }
                        let merged = ChangeMerger.merge(
                            rows, configID: snapshot.id(at: configIndex), conflicts: &conflicts)
                        if !conflicts.isEmpty { result.conflicts.append((position, conflicts)) }
                        expectedVersion = merged.expectedVersion
                        firstLine = merged.lines.first
                        item =
                            fast?.item(at: configIndex, merged: merged)
                            ?? Self.item(for: snapshot.config(at: configIndex), merged: merged)
                    }
                    if let expected = expectedVersion, expected != item.versionRead {
                        result.warnings.append(
                            (
                                position,
                                Diagnostic(
                                    .warning, file: file, line: firstLine,
                                    "config \(item.id) is at version \(item.versionRead), not the expected \(expected); "
                                        + "it will be reported as a conflict and left untouched")
                            ))
                    }
                    digests.record(item, at: position, using: &writer)
                    storage.initialize(position, to: consume item)
                    if let index = indexed {
                        // Hand back the pages of the configs this lane has passed: its configs are
                        // a run of the file that no other lane reads.
                        if releasedFrom < 0 { releasedFrom = index.start(of: configIndex) }
                        // (Every 4,096 configs, and after the run's last: whole pages only, so
                        // a page shared with the next run stays.)
                        if rank & 0x0FFF == 0x0FFF || rank == range.upperBound - 1 {
                            index.file.release(from: releasedFrom, upTo: index.end(of: configIndex))
                            releasedFrom = index.end(of: configIndex)
                        }
                    }
                }
                outputs[lane] = result
            }
            initialized = slotCount
        }
        // What the lanes found, in plan order (as one sequential pass would have found it).
        var conflicts = ConflictCollector(file: file)
        var found: [(position: Int, diagnostic: Diagnostic)] = []
        var merges: [(position: Int, conflicts: ConflictCollector)] = []
        for lane in 0..<lanes {
            guard let result = outputs[lane] else { continue }
            outputs[lane] = nil
            found += result.warnings
            merges += result.conflicts
        }
        for merge in merges.sorted(by: { $0.position < $1.position }) { conflicts.absorb(merge.conflicts) }
        diagnostics += found.sorted { $0.position < $1.position }.map(\.diagnostic)

        let all = changes.diagnostics + conflicts.diagnostics + diagnostics
        let errors = sortedByLine(all.filter { $0.severity == .error })
        let warnings = sortedByLine(all.filter { $0.severity != .error })
        let plan = Plan(
            org: org, baseURL: baseURL, input: changes.planInput, options: options, items: items, warnings: warnings,
            fingerprint: digests.fingerprint())
        return PlanResult(plan: plan, diagnostics: errors + warnings)
    }

    /// The in-memory changes (secret values included) of a plan read back from a file.
    ///
    /// `apply --plan PLAN --changes FILE` needs these when a change sets a secret (the plan holds
    /// only its fingerprint: ``ConfigChange/secretsWithheld``). The change list must be the very
    /// file the plan was made from (same digest); each item's rows (its `inputLines`) are merged
    /// again and must give exactly the change it was planned with.
    ///
    /// - Returns: the change for every item id of the plan.
    /// - Throws: ``ReplayError`` when the change list is not the plan's, or does not rebuild it.
    public static func replay(_ plan: Plan, changes: ChangeList) throws(ReplayError) -> [String: ConfigChange] {
        guard changes.digest == plan.input.digest else {
            throw .digestMismatch(file: changes.file, expected: plan.input.digest, actual: changes.digest)
        }
        guard !changes.hasErrors else { throw .invalidChangeList(file: changes.file) }
        // Each item names the lines of the rows it was planned from: merge those rows again.
        var rowsAtLine: [Int: [Int]] = [:]
        for (index, row) in changes.rows.enumerated() { rowsAtLine[row.line, default: []].append(index) }
        var conflicts = ConflictCollector(file: changes.file)
        var out: [String: ConfigChange] = [:]
        out.reserveCapacity(plan.items.count)
        for item in plan.items {
            var rows: [ChangeRow] = []
            for line in item.lines {
                for index in rowsAtLine[line] ?? [] where mayTarget(changes.rows[index].selector, item) {
                    rows.append(changes.rows[index])
                }
            }
            guard !rows.isEmpty else { throw .itemMismatch(id: item.id) }
            let change = ChangeMerger.merge(rows, configID: item.id, conflicts: &conflicts).change
            guard PlanEncoding.sameRecordedChange(change, item.change) else { throw .itemMismatch(id: item.id) }
            out[item.id] = change
        }
        return out
    }

    /// Whether a row's selector can have targeted the item's config (several JSON records can
    /// start on one line). A field the plan does not record (unchanged by the item) cannot rule a
    /// row out; a row wrongly kept makes the merged change differ, which refuses the replay.
    private static func mayTarget(_ selector: Selector, _ item: PlanItem) -> Bool {
        switch selector {
        case .id(let id):
            return id == item.id || id.lowercased() == item.id.lowercased()
        case .match(let fields):
            return fields.allSatisfy { field, value in
                let known: String??
                switch field {
                case .name: known = .some(item.name)
                case .entityType: known = .some(item.entityType)
                case .destination: known = .some(item.destination)
                default:
                    known =
                        item.before.index(forKey: field.rawValue) == nil && item.after[field.rawValue] == nil
                        ? nil : .some(item.before[field.rawValue]?.stringValue)
                }
                guard let known else { return true }
                return (known ?? "").isEmpty ? (value ?? "").isEmpty : known == value
            }
        }
    }

    private static func sortedByLine(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        diagnostics.enumerated()
            .sorted { ($0.element.line ?? 0, $0.offset) < ($1.element.line ?? 0, $1.offset) }
            .map(\.element)
    }

    /// The plan position of each slot: by wave, then first hit (a stable bucket sort by wave);
    /// `nil` when every row is in wave 0 (position = slot).
    ///
    /// A slot's wave is the first wave any of its rows gives (rows that disagree are a conflict,
    /// reported by the merge, and such a plan is never applied).
    private static func wavePositions(_ resolution: Resolution, rows: [ChangeRow]) -> [Int32]? {
        guard rows.contains(where: { ($0.wave ?? 0) != 0 }) else { return nil }
        var waves = [Int](repeating: 0, count: resolution.slots.count)
        for slot in waves.indices {
            var entry = resolution.head[slot]
            while entry >= 0 {
                if let wave = rows[Int(resolution.entryRow[Int(entry)])].wave {
                    waves[slot] = wave
                    break
                }
                entry = resolution.entryNext[Int(entry)]
            }
        }
        // Where each wave's run starts: counted in an array over the range of waves (a change
        // list's waves are below a million in magnitude); rows made by a program with waves far
        // apart are ranked by sorting the distinct waves instead.
        guard let low = waves.min(), let high = waves.max() else { return nil }
        let (span, overflow) = high.subtractingReportingOverflow(low)
        guard !overflow, span < 1 << 22 else {
            let rank = Dictionary(uniqueKeysWithValues: Set(waves).sorted().enumerated().map { ($1, $0) })
            return wavePositions(ranks: waves.map { rank[$0] ?? 0 })
        }
        return wavePositions(ranks: waves.map { $0 - low })
    }

    /// Positions by a stable counting sort of small non-negative ranks.
    private static func wavePositions(ranks waves: [Int]) -> [Int32] {
        var next = [Int](repeating: 0, count: (waves.max() ?? 0) + 1)
        for wave in waves { next[wave] += 1 }
        var start = 0
        for bucket in next.indices {
            let count = next[bucket]
            next[bucket] = start
            start += count
        }
        var positions = [Int32](repeating: 0, count: waves.count)
        for slot in waves.indices {
            positions[slot] = Int32(next[waves[slot]])
            next[waves[slot]] += 1
        }
        return positions
    }

    // MARK: Resolution

    /// Which rows hit which config: configs (slots) in order of first hit, rows per slot as a linked list.
    struct Resolution: Sendable {
        /// Snapshot index of each slot's config.
        var slots: [Int32] = []
        var head: [Int32] = []
        var tail: [Int32] = []
        var entryRow: [Int32] = []
        var entryNext: [Int32] = []
        /// Whether each entry's row names its config by exactly the config's id.
        var entryByID: [Bool] = []
        /// The slot of each snapshot config (`-1`: not targeted).
        var slotOf: [Int32] = []

        mutating func reserve(_ count: Int) {
            slots.reserveCapacity(count)
            head.reserveCapacity(count)
            tail.reserveCapacity(count)
            entryRow.reserveCapacity(count)
            entryNext.reserveCapacity(count)
            entryByID.reserveCapacity(count)
        }

        /// Adds `row` to the config at snapshot index `target`; `byItsID`: the row names the
        /// config by exactly the config's id (so the row's id string can stand for it).
        mutating func add(row: Int32, toConfig target: Int32, byItsID: Bool = false) {
            var slot = slotOf[Int(target)]
            if slot < 0 {
                slot = Int32(slots.count)
                slotOf[Int(target)] = slot
                slots.append(target)
                head.append(-1)
                tail.append(-1)
            }
            let entry = Int32(entryRow.count)
            entryRow.append(row)
            entryNext.append(-1)
            entryByID.append(byItsID)
            if head[Int(slot)] < 0 {
                head[Int(slot)] = entry
            } else {
                entryNext[Int(tail[Int(slot)])] = entry
            }
            tail[Int(slot)] = entry
        }

        /// The resolution of rows that each name a different config by exactly its id (a list
        /// made from an export, the usual large one): row `i` is slot `i`, built in bulk. `found`:
        /// each row's config (`< 0`: not such a row). `false`, with nothing changed, when some row
        /// is not such a hit or two rows hit one config.
        mutating func takeDistinctExactHits(_ found: [Int32]) -> Bool {
            precondition(slots.isEmpty, "a resolution is built once")
            var taken = 0
            let distinct = slotOf.withUnsafeMutableBufferPointer { slotOf in
                for (row, target) in found.enumerated() {
                    guard target >= 0, slotOf[Int(target)] < 0 else { return false }
                    slotOf[Int(target)] = Int32(row)
                    taken += 1
                }
                return true
            }
            guard distinct else {
                // Put back what was marked before the first row that is not such a hit.
                for target in found.prefix(taken) { slotOf[Int(target)] = -1 }
                return false
            }
            let count = found.count
            slots = found
            entryRow = [Int32](unsafeUninitializedCapacity: count) { buffer, initialized in
                for index in 0..<count { buffer.initializeElement(at: index, to: Int32(index)) }
                initialized = count
            }
            head = entryRow
            tail = entryRow
            entryNext = [Int32](repeating: -1, count: count)
            entryByID = [Bool](repeating: true, count: count)
            return true
        }

        func rows(of slot: Int) -> [Int32] {
            var out: [Int32] = []
            var entry = head[slot]
            while entry >= 0 {
                out.append(entryRow[Int(entry)])
                entry = entryNext[Int(entry)]
            }
            return out
        }

        /// The slots ordered by their config's place in the snapshot.
        func slotsInSnapshotOrder() -> [Int32] {
            var out: [Int32] = []
            out.reserveCapacity(slots.count)
            for slot in slotOf where slot >= 0 { out.append(slot) }
            return out
        }
    }

    static func resolve(
        _ rows: [ChangeRow], in snapshot: Snapshot, file: String, options: PlanOptions,
        into diagnostics: inout [Diagnostic]
    ) -> Resolution {
        var resolution = Resolution()
        resolution.slotOf = [Int32](repeating: -1, count: snapshot.count)
        var index = SelectorIndex(snapshot: snapshot)
        let severity: Diagnostic.Severity = options.requireMatch ? .error : .warning
        // Ids are looked up on every core first (for a snapshot file; -1: not found, -2: not an
        // id row, -3 - i: config i, found by the lower-cased id); slots are then handed out in
        // input order.
        var found: [Int32]?
        if case .indexed(let snapshot) = snapshot.storage, rows.count >= 8_192 {
            let lanes = ProcessInfo.processInfo.activeProcessorCount
            let perLane = (rows.count + lanes - 1) / lanes
            found = [Int32](unsafeUninitializedCapacity: rows.count) { buffer, initialized in
                let storage = UncheckedBuffer(buffer)
                DispatchQueue.concurrentPerform(iterations: lanes) { lane in
                    // The config after the previous row's is tried first (rows in the snapshot's
                    // order, as an export gives them, are then found without a table probe).
                    var guess = -1
                    for position in (lane * perLane)..<min(rows.count, (lane + 1) * perLane) {
                        guard case .id(let id) = rows[position].selector else {
                            storage.initialize(position, to: -2)
                            continue
                        }
                        let match = snapshot.match(ofRowID: id, tryingFirst: guess)
                        guess = match.map { $0.index + 1 } ?? -1
                        let found = match.map { $0.exact ? Int32($0.index) : -3 - Int32($0.index) }
                        storage.initialize(position, to: found ?? -1)
                    }
                }
                initialized = rows.count
            }
        }
        if let found, resolution.takeDistinctExactHits(found) { return resolution }
        // Id rows hit one config each: room for all of them, not a doubling per power of two.
        resolution.reserve(min(rows.count, snapshot.count))
        for rowIndex in rows.indices {
            // Found on every core: no need to look at the row again.
            if let found, found[rowIndex] >= 0 {
                resolution.add(row: Int32(rowIndex), toConfig: found[rowIndex], byItsID: true)
                continue
            }
            let row = rows[rowIndex]
            switch row.selector {
            case .id(let id):
                let target =
                    found.map { $0[rowIndex] <= -3 ? -3 - $0[rowIndex] : nil } ?? index.target(ofID: id)
                if let target {
                    resolution.add(row: Int32(rowIndex), toConfig: target)
                } else {
                    diagnostics.append(
                        Diagnostic(severity, file: file, line: row.line, "no config with id \(id) in the org"))
                }
            case .match(let fields):
                let targets = index.targets(matching: fields)
                if targets.isEmpty {
                    diagnostics.append(
                        Diagnostic(severity, file: file, line: row.line, "\(row.selector.summary) matches no config"))
                }
                for target in targets { resolution.add(row: Int32(rowIndex), toConfig: target) }
            }
        }
        return resolution
    }

    // MARK: Items

    /// The item for one config, from the decoded config: its diff (configData compared down to
    /// its leaves, secrets as fingerprints) and status. The reference for ``FastItemBuilder``.
    static func item(for config: IntegrationConfig, merged: MergedChange) -> PlanItem {
        let change = merged.change
        var diff: [FieldChange] = []
        for field in ConfigField.allCases where field != .configData {
            guard let value = change.fields[field] else { continue }
            let old = config.value(of: field)
            let new: JSONValue? =
                switch value {
                case .set(let text): .string(text)
                case .clear: nil
                }
            guard old != new else { continue }
            diff.append(FieldChange(path: [field.rawValue], before: old, after: new, secret: false))
        }
        if let patch = change.configDataPatch {
            let old = config.configData ?? [:]
            let new = MergePatch.apply(patch, to: .object(old)).objectValue ?? [:]
            if old != new {
                let redactedOld = Secrets.redact(old)
                let redactedNew = Secrets.redact(new, unchangedFrom: old, redacted: redactedOld)
                ConfigDiff.compare(redactedOld, redactedNew, path: ["configData"], secret: false, into: &diff)
            }
        }
        let enable = change.enable && config.enabled != true
        let status: PlanItemStatus = !diff.isEmpty ? .update : enable ? .enableOnly : .unchanged
        return PlanItem(
            id: config.id, name: config.name, entityType: config.entityType, destination: config.destination,
            versionRead: config.version, expectedVersion: merged.expectedVersion, diff: diff, enable: enable,
            enabledRead: config.enabled, wave: merged.wave, inputLines: merged.lines, status: status, change: change)
    }
}

/// What one parallel lane of plan building found besides its items, by plan position.
private struct LaneResult {
    var conflicts: [(position: Int, conflicts: ConflictCollector)] = []
    var warnings: [(position: Int, diagnostic: Diagnostic)] = []
}

/// The uninitialized storage of an array being built, shared by parallel lanes that each
/// initialize a disjoint set of positions exactly once.
private struct UncheckedBuffer<Element>: @unchecked Sendable {
    private let base: UnsafeMutablePointer<Element>?

    init(_ buffer: UnsafeMutableBufferPointer<Element>) {
        base = buffer.baseAddress
    }

    /// Moves `value` into place (an item's references are not retained again and released).
    func initialize(_ position: Int, to value: consuming Element) {
        base?.advanced(by: position).initialize(to: value)
    }
}
