/// What planning produced: the plan, and every diagnostic (reading, validation, planning).
public struct PlanResult: Sendable {
    /// The plan (its ``Plan/warnings`` hold the warnings below, never errors).
    public var plan: Plan
    /// Every problem found, errors first in input order; print them all.
    public var diagnostics: [Diagnostic]

    public init(plan: Plan, diagnostics: [Diagnostic]) {
        self.plan = plan
        self.diagnostics = diagnostics
    }

    /// Whether the plan must not be applied (exit code 2).
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}
