import Planner

/// Why a plan could not be signed, or its signature was not accepted.
public enum PlanApprovalError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `ssh-keygen` is not on `PATH` (or the path given cannot be run).
    case sshKeygenUnavailable(path: String, reason: String)
    /// A file the check needs cannot be read.
    case unreadable(path: String, reason: String)
    /// The plan has no `PLAN.sig` next to it.
    case signatureMissing(plan: String, signature: String)
    /// No principal of the allowed-signers file holds the key that made the signature, for this
    /// namespace (or the signature file is not an SSH signature at all).
    case signerNotAllowed(signature: String, allowedSigners: String, detail: String)
    /// The signature was made for another namespace than ``PlanApproval/namespace``.
    case wrongNamespace(signature: String, detail: String)
    /// The plan's bytes are not the ones that were signed: it changed after signing.
    case planChanged(plan: String, signature: String, principal: String, detail: String)
    /// `ssh-keygen -Y sign` failed (bad key, wrong passphrase, no agent).
    case signingFailed(key: String, detail: String)
    /// `ssh-keygen` succeeded but printed something this build cannot read.
    case unexpectedOutput(command: String, output: String)
    /// The signed file is not a valid plan.
    case invalidPlan(PlanFileError)
    /// The signature could not be written.
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .sshKeygenUnavailable(let path, let reason):
            "cannot run \(path) (\(reason)); plan signatures need OpenSSH's ssh-keygen (8.2 or later) on PATH"
        case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
        case .signatureMissing(let plan, let signature):
            "the plan \(plan) is not signed: there is no \(signature); have a reviewer approve it first "
                + "(bulk-update approve \(plan) --key KEY, or ssh-keygen -Y sign -f KEY -n \(PlanApproval.namespace) "
                + "\(plan))"
        case .signerNotAllowed(let signature, let allowedSigners, let detail):
            "the signature \(signature) was not made by a key that \(allowedSigners) allows to approve plans "
                + "(namespace \(PlanApproval.namespace))\(Self.quoted(detail)); add the reviewer's key there, or "
                + "have the plan approved by someone listed"
        case .wrongNamespace(let signature, let detail):
            "the signature \(signature) was made for another purpose, not for namespace "
                + "\(PlanApproval.namespace)\(Self.quoted(detail)); sign plans with -n \(PlanApproval.namespace) "
                + "(bulk-update approve does)"
        case .planChanged(let plan, let signature, let principal, let detail):
            "the plan \(plan) does not match its signature \(signature) by \(principal): it was changed after it "
                + "was signed (or the signature is damaged)\(Self.quoted(detail)); have the plan approved again"
        case .signingFailed(let key, let detail):
            "could not sign with the key \(key)\(Self.quoted(detail))"
        case .unexpectedOutput(let command, let output):
            "could not read the output of \(command): \(output.isEmpty ? "(nothing)" : output)"
        case .invalidPlan(let error): "\(error)"
        case .cannotWrite(let path, let reason): "cannot write \(path): \(reason)"
        }
    }

    /// ` (ssh-keygen: …)`, or nothing when ssh-keygen said nothing.
    private static func quoted(_ detail: String) -> String {
        detail.isEmpty ? "" : " (ssh-keygen: \(detail))"
    }
}
