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
        var conflicts = ConflictCollector(file: file)
        let resolution = resolve(changes.rows, in: snapshot.configs, file: file, options: options, into: &diagnostics)

        // Waves ascend; inside a wave, input order (the order slots were first hit). Slots are put
        // in that order first, so items are built in place instead of sorted afterwards.
        let order = waveOrder(resolution, rows: changes.rows)
        // Items are independent: compute them on every core, in contiguous runs of slots, each
        // written in place at its position (the result does not depend on the number of cores).
        let slotCount = resolution.slots.count
        let lanes = min(ProcessInfo.processInfo.activeProcessorCount, max(1, slotCount / 4_096))
        let outputs = ParallelSlots<LaneResult>(count: lanes)
        let perLane = (slotCount + lanes - 1) / max(lanes, 1)
        let items = [PlanItem](unsafeUninitializedCapacity: slotCount) { buffer, initialized in
            let storage = UncheckedBuffer(buffer)
            DispatchQueue.concurrentPerform(iterations: lanes) { lane in
                var result = LaneResult(conflicts: ConflictCollector(file: file))
                let range = (lane * perLane)..<min(slotCount, (lane + 1) * perLane)
                for position in range {
                    let slot = order.map { Int($0[position]) } ?? position
                    let config = snapshot.configs[Int(resolution.slots[slot])]
                    let merged: MergedChange
                    let head = Int(resolution.head[slot])
                    if resolution.entryNext[head] < 0 {
                        // One row (the common case): no arrays to gather it.
                        merged = ChangeMerger.merge(changes.rows[Int(resolution.entryRow[head])])
                    } else {
                        let rows = resolution.rows(of: slot).map { changes.rows[Int($0)] }
                        merged = ChangeMerger.merge(rows, configID: config.id, conflicts: &result.conflicts)
                    }
                    if let expected = merged.expectedVersion, expected != config.version {
                        result.diagnostics.append(
                            Diagnostic(
                                .warning, file: file, line: merged.lines.first,
                                "config \(config.id) is at version \(config.version), not the expected \(expected); "
                                    + "it will be reported as a conflict and left untouched"))
                    }
                    storage.initialize(position, to: item(for: config, merged: merged))
                }
                outputs[lane] = result
            }
            initialized = slotCount
        }
        for lane in 0..<lanes {
            guard let result = outputs[lane] else { continue }
            outputs[lane] = nil
            conflicts.absorb(result.conflicts)
            diagnostics += result.diagnostics
        }

        let all = changes.diagnostics + conflicts.diagnostics + diagnostics
        let errors = sortedByLine(all.filter { $0.severity == .error })
        let warnings = sortedByLine(all.filter { $0.severity != .error })
        let plan = Plan(
            org: org, baseURL: baseURL, input: changes.planInput, options: options, items: items, warnings: warnings,
            fingerprint: PlanEncoding.fingerprint(of: items))
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
            for line in item.inputLines {
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

    /// Slot indices ordered by wave, then first hit; `nil` when every row is in wave 0.
    ///
    /// A slot's wave is the first wave any of its rows gives (rows that disagree are a conflict,
    /// reported by the merge, and such a plan is never applied).
    private static func waveOrder(_ resolution: Resolution, rows: [ChangeRow]) -> [Int32]? {
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
        return (0..<Int32(waves.count)).sorted { (waves[Int($0)], $0) < (waves[Int($1)], $1) }
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

        mutating func add(row: Int32, toSlot slot: Int) {
            let entry = Int32(entryRow.count)
            entryRow.append(row)
            entryNext.append(-1)
            if head[slot] < 0 {
                head[slot] = entry
            } else {
                entryNext[Int(tail[slot])] = entry
            }
            tail[slot] = entry
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
    }

    static func resolve(
        _ rows: [ChangeRow], in configs: [IntegrationConfig], file: String, options: PlanOptions,
        into diagnostics: inout [Diagnostic]
    ) -> Resolution {
        var resolution = Resolution()
        var slotOf = [Int32](repeating: -1, count: configs.count)
        var index = SelectorIndex(configs: configs)
        let severity: Diagnostic.Severity = options.requireMatch ? .error : .warning
        for (rowIndex, row) in rows.enumerated() {
            let targets = index.targets(of: row.selector)
            if targets.isEmpty {
                let message: String =
                    switch row.selector {
                    case .id(let id): "no config with id \(id) in the org"
                    case .match: "\(row.selector.summary) matches no config"
                    }
                diagnostics.append(Diagnostic(severity, file: file, line: row.line, message))
                continue
            }
            for target in targets {
                var slot = slotOf[Int(target)]
                if slot < 0 {
                    slot = Int32(resolution.slots.count)
                    slotOf[Int(target)] = slot
                    resolution.slots.append(target)
                    resolution.head.append(-1)
                    resolution.tail.append(-1)
                }
                resolution.add(row: Int32(rowIndex), toSlot: Int(slot))
            }
        }
        return resolution
    }

    // MARK: Items

    /// The item for one config: its diff, status, and the before/after values of only the
    /// top-level fields it changes (plus `enabled` when it enables). Unchanged fields are neither
    /// copied nor redacted, and a secret left as it is gets fingerprinted once, not twice.
    static func item(for config: IntegrationConfig, merged: MergedChange) -> PlanItem {
        let change = merged.change
        var before: [String: JSONValue] = [:]
        var after: [String: JSONValue] = [:]
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
            before[field.rawValue] = old
            after[field.rawValue] = new
        }
        if let patch = change.configDataPatch {
            let old = config.configData ?? [:]
            let new = MergePatch.apply(patch, to: .object(old)).objectValue ?? [:]
            if old != new {
                let redactedOld = Secrets.redact(old)
                let redactedNew = Secrets.redact(new, unchangedFrom: old, redacted: redactedOld)
                ConfigDiff.compare(redactedOld, redactedNew, path: ["configData"], secret: false, into: &diff)
                if config.configData != nil { before["configData"] = .object(redactedOld) }
                after["configData"] = .object(redactedNew)
            }
        }
        let enable = change.enable && config.enabled != true
        if enable {
            before["enabled"] = config.enabled.map(JSONValue.bool)
            after["enabled"] = .bool(true)
        }
        let status: PlanItemStatus = !diff.isEmpty ? .update : enable ? .enableOnly : .unchanged
        return PlanItem(
            id: config.id, name: config.name, entityType: config.entityType, destination: config.destination,
            versionRead: config.version, expectedVersion: merged.expectedVersion, before: before, after: after,
            diff: diff, enable: enable, wave: merged.wave, inputLines: merged.lines, status: status, change: change)
    }
}

/// What one parallel lane of plan building produced besides its items.
private struct LaneResult {
    var conflicts: ConflictCollector
    var diagnostics: [Diagnostic] = []
}

/// The uninitialized storage of an array being built, shared by parallel lanes that each
/// initialize a disjoint set of positions exactly once.
private struct UncheckedBuffer<Element>: @unchecked Sendable {
    private let base: UnsafeMutablePointer<Element>?

    init(_ buffer: UnsafeMutableBufferPointer<Element>) {
        base = buffer.baseAddress
    }

    func initialize(_ position: Int, to value: Element) {
        base?.advanced(by: position).initialize(to: value)
    }
}
