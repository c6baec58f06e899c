/// Builds a plan by composing the planner's stages, each a function of values:
///
/// read (``ChangeListReader``) → validate (``Validator``) → resolve (``Resolver``) → render
/// templates (``TemplateRenderer``, per row and config) → merge (``ChangeMerger``) → order
/// (``order(_:)``, by the merged waves) → diff/status (``ItemBuilder``, in plan order) → ``Plan``.
///
/// Every command plans through ``build(changes:snapshot:options:org:baseURL:)``: `plan` against a
/// list sweep or a saved snapshot, `apply`, `resume`, and the undo and failed lists they write.
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
        let resolution = Resolver.resolve(changes.rows, in: snapshot, file: file, options: options)
        var conflicts = ConflictCollector(file: file)
        var renderProblems = TemplateRenderer.Collector()
        let merged = resolution.targets.map { target in
            let config = snapshot.configs[target.config]
            var rows = target.rows.map { changes.rows[$0] }
            var reads: [FieldRead] = []
            for index in rows.indices where !rows[index].templates.isEmpty {
                switch TemplateRenderer.render(rows[index], for: config) {
                case .success(let rendered):
                    rows[index] = rendered.row
                    reads += rendered.reads.filter { read in !reads.contains { $0.path == read.path } }
                case .failure(let problems):
                    renderProblems.add(problems, line: rows[index].line, configID: config.id)
                }
            }
            var change = ChangeMerger.merge(rows, configID: config.id, conflicts: &conflicts)
            change.reads = reads
            return change
        }
        // Items are built in plan order, on every core.
        let items = Parallel.map(order(merged.map(\.wave))) { index in
            ItemBuilder.item(for: snapshot.configs[resolution.targets[index].config], merged: merged[index])
        }
        var warnings: [Diagnostic] = []
        for item in items {
            guard let expected = item.expectedVersion, expected != item.versionRead else { continue }
            warnings.append(
                Diagnostic(
                    .warning, file: file, line: item.inputLines.first,
                    "config \(item.id) is at version \(item.versionRead), not the expected \(expected); "
                        + "it will be reported as a conflict and left untouched"))
        }
        let all =
            changes.diagnostics + renderProblems.diagnostics(file: file) + conflicts.diagnostics
            + resolution.diagnostics + warnings
        let errors = sortedByLine(all.filter { $0.severity == .error })
        let notes = sortedByLine(all.filter { $0.severity != .error })
        let plan = Plan(
            org: org, baseURL: baseURL, input: changes.planInput, options: options, items: items, warnings: notes,
            fingerprint: PlanEncoding.fingerprint(of: items))
        return PlanResult(plan: plan, diagnostics: errors + notes)
    }

    /// The order stage: the plan's order of targets with these waves (waves ascending; inside a
    /// wave, the order rows first hit the configs), as the targets' indices.
    package static func order(_ waves: [Int]) -> [Int] {
        waves.indices.sorted { (waves[$0], $0) < (waves[$1], $1) }
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
            // Templated values were rendered for this config when it was planned, and the plan
            // holds them as rendered (a template never reads a secret).
            rows = rows.map { row in row.templates.isEmpty ? row : Self.rendered(row, as: item.change) }
            let change = ChangeMerger.merge(rows, configID: item.id, conflicts: &conflicts).change
            guard change.recorded == item.change.recorded else { throw .itemMismatch(id: item.id) }
            out[item.id] = change
        }
        return out
    }

    /// `row` with each templated value replaced by the value `planned` holds at its place.
    private static func rendered(_ row: ChangeRow, as planned: ConfigChange) -> ChangeRow {
        var row = row
        for value in row.templates {
            switch value.target {
            case .field(let field):
                row.change.fields[field] = planned.fields[field]
            case .configData(let path):
                var current = planned.configDataPatch
                for key in path { current = current?.objectValue?[key] }
                row.change.configDataPatch = MergePatch.apply(
                    path.reversed().reduce(current ?? .null) { inner, key in .object([key: inner]) },
                    to: row.change.configDataPatch)
            }
        }
        row.templates = []
        return row
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

}
