import ArgumentParser
import BulkUpdate

extension ConflictPolicy: ExpressibleByArgument {}

/// How a run executes: the options `apply` and `resume` share.
///
/// Every value is optional so that `resume` can tell "not given" (keep the original run's value)
/// from "given".
struct RunOptions: ParsableArguments {
    @Option(help: "Requests per second for every request of the run (default 40; m3ter allows 50 per org).")
    var rate: Double?

    @Option(help: "Items in flight at once (default 16).")
    var concurrency: Int?

    @Option(help: "Stop dispatching after this many failed items (exit 3, resumable).")
    var maxFailures: Int?

    @Option(help: "Apply this many items first and stop if any of them fails or conflicts.")
    var canary: Int?

    @Option(help: "When a config moved since planning but the change still applies: reapply or skip.")
    var onConflict: ConflictPolicy?

    @Flag(help: "Skip the verification pass (a list sweep after the last write).")
    var noVerify = false

    @Flag(help: "No progress line.")
    var quiet = false

    func validate() throws {
        if let rate, !(rate > 0) { throw ValidationError("--rate must be greater than 0") }
        if let concurrency, concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
        if let maxFailures, maxFailures < 1 { throw ValidationError("--max-failures must be at least 1") }
        if let canary, canary < 1 { throw ValidationError("--canary must be at least 1") }
    }

    /// The options as recorded in the journal header, for a later resume.
    var recorded: [String: String] {
        var out: [String: String] = [:]
        if let rate { out["rate"] = String(rate) }
        if let concurrency { out["concurrency"] = String(concurrency) }
        if let maxFailures { out["maxFailures"] = String(maxFailures) }
        if let canary { out["canary"] = String(canary) }
        if let onConflict { out["onConflict"] = onConflict.rawValue }
        if noVerify { out["noVerify"] = "true" }
        return out
    }

    /// These options with every unset one taken from `recorded` (an earlier run's header).
    ///
    /// - Parameter journaledRate: the last rate the journal shows the run going at (a `rethrottle`
    ///   change, or a resumed run's header); it wins over the first header's `rate`.
    func filled(from recorded: [String: String], journaledRate: Double? = nil) -> RunOptions {
        var out = self
        out.rate = rate ?? journaledRate ?? recorded["rate"].flatMap(Double.init)
        out.concurrency = concurrency ?? recorded["concurrency"].flatMap { Int($0) }
        out.maxFailures = maxFailures ?? recorded["maxFailures"].flatMap { Int($0) }
        out.onConflict = onConflict ?? recorded["onConflict"].flatMap(ConflictPolicy.init(rawValue:))
        out.noVerify = noVerify || recorded["noVerify"] == "true"
        // A canary already passed (or stopped the run) in the original run: it is not repeated.
        out.canary = canary
        return out
    }

    var effectiveRate: Double { rate ?? RateLimiter.defaultRate }
    var effectiveConcurrency: Int { concurrency ?? 16 }

    var execution: ExecutionOptions {
        ExecutionOptions(
            concurrency: effectiveConcurrency, maxFailures: maxFailures, canary: canary,
            onConflict: onConflict ?? .reapply)
    }
}
