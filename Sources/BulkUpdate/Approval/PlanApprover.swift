/// Who approved the plan a run applies: the signer `apply --allowed-signers` verified.
///
/// Recorded in the journal header (`approvedBy`) and shown in every report.
public struct PlanApprover: Sendable, Hashable, Codable {
    /// The principal the allowed-signers file names for the signing key (`alice@example.com`).
    public var principal: String
    /// The signing key's fingerprint as `ssh-keygen` prints it (`SHA256:…`, unpadded base64).
    public var keyFingerprint: String

    /// Creates an approver.
    public init(principal: String, keyFingerprint: String) {
        self.principal = principal
        self.keyFingerprint = keyFingerprint
    }
}

extension PlanApprover: CustomStringConvertible {
    /// `alice@example.com (key SHA256:…)`.
    public var description: String { "\(principal) (key \(keyFingerprint))" }
}
