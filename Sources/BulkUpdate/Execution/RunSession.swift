import Foundation
import Planner

/// One run of a plan in its run directory, start to finish: fresh state, executor, journal,
/// verification, reports. `apply`, `resume` and `demo` all go through here.
public struct RunSession: Sendable {
    /// Everything a session needs besides the API.
    public struct Configuration: Sendable {
        public var runDirectory: RunDirectory
        /// The plan's items with their in-memory changes (secret values included where the change
        /// list set them); defaults to the plan's own items.
        public var items: [PlanItem]
        public var options: ExecutionOptions
        /// Re-read the touched configs after the last write and check they hold the plan.
        public var verify: Bool
        /// Items may have been written by an earlier run of this plan (resume).
        public var resumed: Bool
        /// The run's options as given, kept in the journal header so a resume can reuse them.
        public var recordedOptions: [String: String]
        public var toolVersion: String
        public var inputFile: String?
        /// Who approved the plan (`apply --allowed-signers`); a resumed run keeps the approver its
        /// journal names when this is `nil`.
        public var approver: PlanApprover?

        public init(
            runDirectory: RunDirectory, items: [PlanItem]? = nil, options: ExecutionOptions, verify: Bool = true,
            resumed: Bool, recordedOptions: [String: String] = [:], toolVersion: String, inputFile: String? = nil,
            approver: PlanApprover? = nil
        ) {
            self.runDirectory = runDirectory
            self.items = items ?? runDirectory.plan.items
            self.options = options
            self.verify = verify
            self.resumed = resumed
            self.recordedOptions = recordedOptions
            self.toolVersion = toolVersion
            self.inputFile = inputFile
            self.approver = approver
        }
    }

    /// What a session ended with.
    public struct Result: Sendable {
        public var report: Report
        /// Why the run stopped early, if it did (resumable).
        public var stopReason: StopReason?
        /// Items whose live state no longer holds the plan after the run (verification pass).
        public var verificationIssues: [String]
        public var undo: UndoList
        public var failed: FailedList
        /// Items this session skipped because an earlier run had finished them.
        public var alreadyDone: Int

        /// The exit code DESIGN.md gives this result: 0, 1 (failed/conflicted items) or 3 (stopped).
        public var exitCode: Int32 {
            if stopReason != nil { return 3 }
            let counts = report.summary.counts
            return counts.failed + counts.conflict + counts.notAttempted > 0 || !verificationIssues.isEmpty ? 1 : 0
        }
    }

    public let api: any ConfigAPI
    public let configuration: Configuration
    /// Request figures of this session so far (from the client's metrics).
    public let stats: @Sendable (_ startedAt: Date) async -> RunStats?
    public let now: @Sendable () -> Date
    /// When set, the session follows `bulk-update rethrottle` (``RunControl``) until the executor is
    /// done: it changes the limiter's rate, journals each change and reports it as an event.
    public let rateControl: RateControl?

    public init(
        api: any ConfigAPI, configuration: Configuration,
        stats: @escaping @Sendable (_ startedAt: Date) async -> RunStats? = { _ in nil },
        now: @escaping @Sendable () -> Date = { Date() }, rateControl: RateControl? = nil
    ) {
        self.api = api
        self.configuration = configuration
        self.stats = stats
        self.now = now
        self.rateControl = rateControl
    }

    /// Runs the session.
    ///
    /// - Parameters:
    ///   - live: the configs as just read by a list sweep, when the caller has them (apply plans
    ///     from a sweep it just made); otherwise the session makes its own sweep first.
    ///   - stop: the stop flag shared with the signal handler.
    ///   - events: progress events; finished when the executor is done.
    /// - Throws: ``APIError`` when the state cannot be read before anything is sent, and journal or
    ///   file-system errors.
    public func run(
        live: [String: IntegrationConfig]?, stop: StopSignal, events: AsyncStream<ExecutionEvent>.Continuation?
    ) async throws -> Result {
        let log = RateChangeLog()
        guard let rateControl else { return try await run(live: live, stop: stop, events: events, log: log) }
        // A request already waiting (made while this process read the org or authenticated) is taken
        // before anything else is sent.
        var follower = RateRequestFollower(processID: rateControl.processID)
        try await takeRequest(&follower, rateControl, log: log, events: events)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [follower] in
                try await follow(rateControl, from: follower, log: log, stop: stop, events: events)
            }
            let result: Result
            do {
                result = try await run(live: live, stop: stop, events: events, log: log)
            } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
            // A rate change that could not be journaled fails the session, as an outcome would.
            try await group.waitForAll()
            return result
        }
    }

    /// Takes `control.json` requests addressed to this process while the log is open.
    private func follow(
        _ control: RateControl, from follower: RateRequestFollower, log: RateChangeLog, stop: StopSignal,
        events: AsyncStream<ExecutionEvent>.Continuation?
    ) async throws {
        var follower = follower
        while await log.isOpen {
            do {
                try await control.clock.sleep(for: control.pollInterval)
            } catch {
                return
            }
            try await takeRequest(&follower, control, log: log, events: events)
            // Stopping while paused: items waiting for a permit give up (they stay not attempted)
            // instead of waiting for a rate that may never come.
            if stop.reason != nil { await control.limiter.giveUpWhilePaused() }
        }
    }

    /// Reads `control.json` once and carries out a request the follower takes: the limiter first,
    /// then the event and the journal.
    private func takeRequest(
        _ follower: inout RateRequestFollower, _ control: RateControl, log: RateChangeLog,
        events: AsyncStream<ExecutionEvent>.Continuation?
    ) async throws {
        guard await log.isOpen,
            let request = follower.take(RunControl.read(in: configuration.runDirectory.url))
        else { return }
        let previous = await control.limiter.setRate(request.rate)
        let change = RateChange(time: now(), previousRate: previous, rate: request.rate, request: request.request)
        events?.yield(.rateChanged(change))
        try await log.record(change)
    }

    private func run(
        live: [String: IntegrationConfig]?, stop: StopSignal, events: AsyncStream<ExecutionEvent>.Continuation?,
        log: RateChangeLog
    ) async throws -> Result {
        let startedAt = now()
        let run = configuration.runDirectory
        let plan = run.plan
        let previous =
            FileManager.default.fileExists(atPath: run.journalURL.path)
            ? try JournalReader.read(run.journalURL, expectedFingerprint: plan.fingerprint) : nil
        let remaining = configuration.items.filter { previous?.isFinished($0.id) != true }
        let state: [String: IntegrationConfig]
        if let live {
            state = live
        } else if remaining.isEmpty {
            state = [:]
        } else if remaining.count <= Self.readByIdLimit {
            state = try await Self.read(remaining.map(\.id), from: api)
        } else {
            state = try await Self.sweep(api)
        }
        let approver = configuration.approver ?? previous?.headers.lazy.compactMap(\.approver).first
        let journal = try JournalWriter.open(
            url: run.journalURL,
            header: JournalHeader(
                planFingerprint: plan.fingerprint, toolVersion: configuration.toolVersion, startedAt: startedAt,
                options: configuration.recordedOptions, approver: approver))
        let executor = Executor(api: api, options: configuration.options, now: now)
        let result: ExecutionResult
        do {
            try await log.attach(journal)
            result = try await executor.run(
                items: remaining, live: state, resumed: configuration.resumed || previous != nil, stop: stop,
                record: { try await journal.append($0) }, events: events)
        } catch {
            await log.close()
            events?.finish()
            try? await journal.close()
            throw error
        }
        await log.close()
        events?.finish()
        try await journal.close()
        let rateChanges = (previous?.rateChanges ?? []) + (await log.changes)

        var outcomes = previous?.outcomes ?? []
        outcomes += result.outcomes
        let wrote = result.outcomes.contains { $0.status == .applied || $0.status == .enabled }
        let verification =
            configuration.verify && wrote && result.stopReason == nil ? await verify(outcomes: outcomes) : nil
        let endedAt = now()
        let firstStart = previous?.headers.first?.startedAt ?? startedAt
        var runStats = await stats(startedAt)
        runStats?.endedAt = endedAt
        runStats?.retries += result.resends
        var report = Report.build(
            plan: plan, outcomes: outcomes, stats: runStats,
            meta: ReportMeta(
                toolVersion: configuration.toolVersion, inputFile: configuration.inputFile ?? plan.input.file,
                inputDigest: plan.input.digest, runDirectory: run.url.path, startedAt: firstStart, endedAt: endedAt,
                approver: approver),
            rateChanges: rateChanges)
        report.verification = verification
        for format in ReportFormat.allCases {
            try run.writeFile(named: format.fileName, contents: format.render(report))
        }
        let undo = UndoList.render(plan: plan, outcomes: outcomes)
        try run.writeFile(named: RunDirectory.FileName.undo, contents: Data(undo.csv.utf8))
        let changes = Dictionary(uniqueKeysWithValues: configuration.items.map { ($0.id, $0.change) })
        let failed = FailedList.render(plan: plan, outcomes: outcomes, changes: changes)
        try run.writeFile(named: RunDirectory.FileName.failed, contents: Data(failed.csv.utf8))
        return Result(
            report: report, stopReason: result.stopReason, verificationIssues: verification ?? [], undo: undo,
            failed: failed,
            alreadyDone: configuration.items.count - remaining.count)
    }

    /// Up to this many items left, a resumed run reads them one by one instead of sweeping the org
    /// (a sweep costs one request per 200 configs of the whole org).
    public static let readByIdLimit = 10

    /// The configs with these ids, by id, read one by one; an unknown id is left out.
    public static func read(_ ids: [String], from api: any ConfigAPI) async throws(APIError)
        -> [String: IntegrationConfig]
    {
        var byId: [String: IntegrationConfig] = [:]
        for id in ids {
            do {
                byId[id] = try await api.getConfig(id: id)
            } catch .notFound {
                continue
            }
        }
        return byId
    }

    /// Every config of the org, by id (one list sweep).
    public static func sweep(_ api: any ConfigAPI) async throws(APIError) -> [String: IntegrationConfig] {
        let configs = try await api.listConfigs(destinationId: nil)
        var byId: [String: IntegrationConfig] = [:]
        byId.reserveCapacity(configs.count)
        for config in configs { byId[config.id] = config }
        return byId
    }

    /// Re-reads the org and names every item reported done whose config no longer holds the plan.
    private func verify(outcomes: [ItemOutcome]) async -> [String] {
        let live: [String: IntegrationConfig]
        do {
            live = try await Self.sweep(api)
        } catch {
            return ["could not re-read the org to verify the run (\(error)); the outcomes above stand unverified"]
        }
        var last: [String: ItemOutcome] = [:]
        for outcome in outcomes { last[outcome.id] = outcome }
        var issues: [String] = []
        for item in configuration.runDirectory.plan.items {
            guard let status = last[item.id]?.status, status == .applied || status == .enabled else { continue }
            guard let config = live[item.id] else {
                issues.append("config \(item.id) was applied but no longer exists")
                continue
            }
            if !item.plannedValuesHeld(by: config) {
                let drifted = item.fieldsNotHeld(by: config)
                let names = drifted.isEmpty ? "enabled" : drifted.joined(separator: ", ")
                issues.append(
                    "config \(item.id) no longer holds the planned \(names) (changed since, at version \(config.version))"
                )
            }
        }
        return issues
    }
}
