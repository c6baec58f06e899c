import Foundation
import Planner
import Synchronization

/// Carries out a plan against the API: waves in order, a sliding window of concurrent items,
/// the conflict and lost-response rules of ``ItemDecision``, and one journal record per outcome.
public struct Executor: Sendable {
    public let api: any ConfigAPI
    public let options: ExecutionOptions
    public let clock: any Clock<Duration>
    /// The backoff before a write is resent (``RetryPolicy/jitteredBackoff(retry:unit:)``).
    public let retry: RetryPolicy
    /// Random numbers in 0..<1 for backoff jitter (injected so tests are repeatable).
    public let random: @Sendable () -> Double
    /// How long in-flight items may take to finish after a stop before they are cancelled.
    public let drainTimeout: Duration
    /// The wall clock used to stamp outcomes.
    public let now: @Sendable () -> Date

    public init(
        api: any ConfigAPI, options: ExecutionOptions, clock: any Clock<Duration> = ContinuousClock(),
        retry: RetryPolicy = RetryPolicy(), random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        drainTimeout: Duration = .seconds(30), now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.api = api
        self.options = options
        self.clock = clock
        self.retry = retry
        self.random = random
        self.drainTimeout = drainTimeout
        self.now = now
    }

    /// Runs `items` (already ordered by wave, then input order).
    ///
    /// - Parameters:
    ///   - live: the configs as read by the run's fresh list sweep, by id.
    ///   - resumed: items may have been written by an earlier, interrupted run of the same plan.
    ///   - stop: checked before every dispatch; the signal handler and `--max-failures` set it.
    ///   - record: makes an outcome durable (the journal); called before the item counts as done.
    ///   - events: progress events, if anyone listens.
    public func run(
        items: [PlanItem], live: [String: IntegrationConfig], resumed: Bool, stop: StopSignal,
        record: @escaping @Sendable (ItemOutcome) async throws -> Void,
        events: AsyncStream<ExecutionEvent>.Continuation? = nil
    ) async throws -> ExecutionResult {
        events?.yield(.started(total: items.count))
        let resends = Counter()
        var outcomes: [ItemOutcome] = []
        var failures = 0
        let canarySize = min(max(options.canary ?? 0, 0), items.count)
        var waves: [[PlanItem]] = []
        for item in items.dropFirst(canarySize) {
            if let last = waves.last?.last, last.wave == item.wave {
                waves[waves.count - 1].append(item)
            } else {
                waves.append([item])
            }
        }
        // The canary batch runs alone first; then each wave finishes before the next starts.
        let batches = (canarySize > 0 ? [Array(items.prefix(canarySize))] : []) + waves
        for (index, batch) in batches.enumerated() where !batch.isEmpty {
            if stop.reason != nil { break }
            events?.yield(.waveStarted(wave: batch[0].wave, items: batch.count))
            let batchOutcomes = try await runBatch(
                batch, live: live, resumed: resumed, stop: stop, failures: &failures, resends: resends, record: record,
                events: events)
            outcomes += batchOutcomes
            if index == 0, canarySize > 0,
                batchOutcomes.contains(where: { $0.status == .failed || $0.status == .conflict })
            {
                stop.request(.canaryFailed)
                events?.yield(.stopping(.canaryFailed))
            }
        }
        return ExecutionResult(outcomes: outcomes, stopReason: stop.reason, resends: resends.value)
    }

    private enum Completion: Sendable {
        case item(ItemOutcome?)
        case drainDeadline
    }

    private func runBatch(
        _ batch: [PlanItem], live: [String: IntegrationConfig], resumed: Bool, stop: StopSignal, failures: inout Int,
        resends: Counter,
        record: @escaping @Sendable (ItemOutcome) async throws -> Void,
        events: AsyncStream<ExecutionEvent>.Continuation?
    ) async throws -> [ItemOutcome] {
        try await withThrowingTaskGroup(of: Completion.self) { group in
            var outcomes: [ItemOutcome] = []
            var pending = batch[...]
            var inFlight = 0
            var draining = false

            func handle(_ completion: Completion) {
                switch completion {
                case .drainDeadline:
                    group.cancelAll()
                case .item(let outcome):
                    inFlight -= 1
                    guard let outcome else { return }
                    outcomes.append(outcome)
                    if outcome.status == .failed {
                        failures += 1
                        if let limit = options.maxFailures, failures >= limit { stop.request(.maxFailures) }
                    }
                }
            }

            while true {
                if let reason = stop.reason {
                    if !draining {
                        draining = true
                        events?.yield(.stopping(reason))
                        let clock = self.clock
                        let timeout = drainTimeout
                        if inFlight > 0 {
                            group.addTask {
                                try? await clock.sleep(for: timeout)
                                return .drainDeadline
                            }
                        }
                    }
                    break
                }
                guard let item = pending.popFirst() else { break }
                if inFlight >= options.concurrency, let completion = try await group.next() {
                    handle(completion)
                    if stop.reason != nil {
                        pending.insert(item, at: pending.startIndex)
                        continue
                    }
                }
                inFlight += 1
                let config = live[item.id]
                group.addTask {
                    let outcome = await process(item, live: config, resumed: resumed, stop: stop, resends: resends)
                    if let outcome {
                        try await record(outcome)
                        events?.yield(.finished(outcome))
                    }
                    return .item(outcome)
                }
            }
            while inFlight > 0, let completion = try await group.next() {
                handle(completion)
            }
            group.cancelAll()
            return outcomes
        }
    }

    /// Drives one item to its outcome; `nil` when cancelled before one was reached, or when the API
    /// refused the credentials (then `stop` is asked to stop the run: the item stays not attempted,
    /// and `resume` re-reads it before acting).
    func process(
        _ item: PlanItem, live initial: IntegrationConfig?, resumed: Bool, stop: StopSignal = StopSignal(),
        resends: Counter = Counter()
    ) async -> ItemOutcome? {
        if item.status == .unchanged {
            return ItemOutcome(
                id: item.id, status: .unchanged, versionBefore: initial?.version ?? item.versionRead,
                versionAfter: initial?.version ?? item.versionRead, attempts: 0, time: now())
        }
        guard var live = initial else {
            return ItemOutcome(
                id: item.id, status: .failed, versionBefore: item.versionRead, attempts: 0, httpStatus: 404,
                message: "config no longer exists in the org (not found by the list sweep)", time: now())
        }
        var base = item.versionRead
        var written: Written = resumed ? .maybe : .none
        var requests = 0
        var writes = 0
        var lastStatus: Int?
        var lastError: APIError?
        var backoffBeforeNextWrite = false
        let versionBefore = live.version

        func outcome(_ status: OutcomeStatus, _ message: String?, reconciled: Bool = false) -> ItemOutcome {
            ItemOutcome(
                id: item.id, status: status, versionBefore: versionBefore, versionAfter: live.version,
                attempts: requests, httpStatus: lastStatus, message: message, reconciled: reconciled, time: now())
        }

        while true {
            if Task.isCancelled { return nil }
            let decision = ItemDecision.decide(
                item: item, live: live, baseVersion: base, written: written, onConflict: options.onConflict)
            let body: UpdateBody?
            switch decision {
            case .finish(let status, let message, let reconciled):
                return outcome(status, message, reconciled: reconciled)
            case .put(let update):
                body = update
            case .enable:
                body = nil
            }
            if writes >= options.maxAttempts {
                let reason = lastError.map { ": last error \($0)" } ?? ""
                return outcome(.failed, "gave up after \(writes) write attempts\(reason)")
            }
            if backoffBeforeNextWrite {
                backoffBeforeNextWrite = false
                do {
                    try await clock.sleep(for: retry.jitteredBackoff(retry: writes - 1, unit: random()))
                } catch {
                    return nil
                }
                resends.increment()
            }
            writes += 1
            requests += 1
            do {
                let updated: IntegrationConfig
                if let body {
                    updated = try await api.updateConfig(id: item.id, body: body)
                } else {
                    updated = try await api.enableConfig(id: item.id)
                }
                lastStatus = 200
                live = updated
                base = updated.version
                written = .confirmed
                continue
            } catch {
                lastError = error
                lastStatus = error.status
                switch error {
                case .cancelled:
                    return nil
                case .transport(_, true), .http(500...599, _):
                    // The write may have committed: its response was lost, or the server failed after its
                    // commit, or a gateway gave up waiting for it. Only a re-read tells; an enable carries
                    // no version, so resending it unread could enable (and write) a config twice.
                    written = written == .confirmed ? .confirmed : .maybe
                    backoffBeforeNextWrite = true
                    fallthrough
                case .versionConflict:
                    // Re-read before anything else: never resend a body built on a state we no longer know.
                    requests += 1
                    do {
                        live = try await api.getConfig(id: item.id)
                    } catch .cancelled {
                        return nil
                    } catch .authentication {
                        stop.request(.credentialsRejected)
                        return nil
                    } catch {
                        lastStatus = error.status
                        return outcome(
                            .failed,
                            "could not re-read the config after \(lastError.map { "\($0)" } ?? "an error"): \(error); "
                                + "its state is unknown, run the change list again to reconcile")
                    }
                case .transport(_, false):
                    backoffBeforeNextWrite = true
                    continue
                case .http(let status, _) where status == 408 || status == 429:
                    // Refused before it was processed: resend after a backoff. The version guard keeps a
                    // resent update safe even so: a committed one would be refused as a version conflict.
                    if status == 408 { written = written == .confirmed ? .confirmed : .maybe }
                    backoffBeforeNextWrite = true
                    continue
                case .notFound:
                    return outcome(.failed, "config no longer exists (HTTP 404)")
                case .http(400, _) where body != nil:
                    // m3ter reports a version mismatch as a 400 whose wording we cannot be sure of: if the
                    // config moved past the version we sent, it was a conflict (decide again on the new
                    // state); if it did not, the body itself was refused.
                    requests += 1
                    guard let fresh = try? await api.getConfig(id: item.id) else {
                        return outcome(.failed, "\(error)")
                    }
                    if fresh.version == body?.version { return outcome(.failed, "\(error)") }
                    live = fresh
                case .authentication:
                    // 401/403 that one token refresh could not cure: nothing more can be sent, so the
                    // run stops as on SIGINT instead of failing every item left.
                    stop.request(.credentialsRejected)
                    return nil
                case .http, .decoding:
                    return outcome(.failed, "\(error)")
                }
            }
        }
    }
}

/// A count shared by the executor's child tasks.
final class Counter: Sendable {
    private let count = Mutex(0)

    func increment() { count.withLock { $0 += 1 } }

    var value: Int { count.withLock { $0 } }
}
