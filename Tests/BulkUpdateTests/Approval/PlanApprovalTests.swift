import BulkUpdate
import Foundation
import Planner
import TestSupport
import Testing

@Suite("Plan approval with ssh-keygen")
struct PlanApprovalTests {
    /// A reviewer (alice, listed), an outsider (mallory, not listed) and a plan file, in a fresh directory.
    struct Setup {
        var directory: URL
        var alice: URL
        var mallory: URL
        var allowedSigners: URL
        var planFile: URL

        var signature: URL { PlanApproval.signatureURL(for: planFile) }

        static func make() async throws -> Setup {
            let directory = try TestSupport.temporaryDirectory("approval")
            let alice = try await SSHKeys.generate("alice", in: directory)
            let mallory = try await SSHKeys.generate("mallory", in: directory)
            let allowedSigners = try SSHKeys.allowedSigners(
                [("alice@example.com", alice)], to: directory.appendingPathComponent("allowed_signers"))
            let planFile = directory.appendingPathComponent("plan.json")
            try PlanFile.encode(PlanApprovalTests.plan()).write(to: planFile)
            return Setup(
                directory: directory, alice: alice, mallory: mallory, allowedSigners: allowedSigners,
                planFile: planFile)
        }

        func bytes() throws -> Data { try Data(contentsOf: planFile) }

        /// What ``PlanApproval/readApprovedPlan(at:allowedSigners:)`` throws for this setup.
        func refusal(_ approval: PlanApproval = PlanApproval()) async -> PlanApprovalError? {
            do {
                _ = try await approval.readApprovedPlan(at: planFile, allowedSigners: allowedSigners)
                return nil
            } catch {
                return error
            }
        }
    }

    /// A one-item plan that renames a config.
    static func plan() -> Plan {
        let id = "11111111-1111-4111-8111-111111111111"
        let list = ChangeListReader.read(data: Data("id,name\n\(id),Renamed\n".utf8), file: "changes.csv", format: .csv)
        let config = IntegrationConfig(
            id: id, version: 3, entityType: "Bill", destination: "Webhook", configData: [:], enabled: true,
            integrationCredentialsId: nil, name: "Before")
        return PlanBuilder.build(changes: list, snapshot: Snapshot(configs: [config]), options: PlanOptions()).plan
    }

    @Test("a plan signed by a listed key is accepted, with the principal and the key's fingerprint")
    func accepted() async throws {
        let setup = try await Setup.make()
        let fingerprint = try await PlanApproval().sign(try setup.bytes(), key: setup.alice, to: setup.signature)
        let expected = try await SSHKeys.fingerprint(of: setup.alice)
        #expect(fingerprint == expected)
        #expect(fingerprint.hasPrefix("SHA256:"))
        let approved = try await PlanApproval().readApprovedPlan(
            at: setup.planFile, allowedSigners: setup.allowedSigners)
        #expect(approved.approver == PlanApprover(principal: "alice@example.com", keyFingerprint: expected))
        #expect(approved.plan == Self.plan())
    }

    @Test("signing by hand with ssh-keygen -Y sign gives the very same signature, and it is accepted")
    func signedByHand() async throws {
        let setup = try await Setup.make()
        let ours = setup.directory.appendingPathComponent("ours.sig")
        _ = try await PlanApproval().sign(try setup.bytes(), key: setup.alice, to: ours)
        try await SSHKeys.sign(setup.planFile, key: setup.alice)
        // Ed25519 signatures are deterministic: the same bytes, key and namespace sign alike.
        #expect(try Data(contentsOf: ours) == Data(contentsOf: setup.signature))
        let approved = try await PlanApproval().readApprovedPlan(
            at: setup.planFile, allowedSigners: setup.allowedSigners)
        #expect(approved.approver.principal == "alice@example.com")
    }

    @Test("signing replaces an earlier signature")
    func resign() async throws {
        let setup = try await Setup.make()
        try await SSHKeys.sign(setup.planFile, key: setup.mallory)
        _ = try await PlanApproval().sign(try setup.bytes(), key: setup.alice, to: setup.signature)
        let approved = try await PlanApproval().readApprovedPlan(
            at: setup.planFile, allowedSigners: setup.allowedSigners)
        #expect(approved.approver.principal == "alice@example.com")
    }

    @Test("a key listed under several principals is accepted for the first that verifies")
    func severalPrincipals() async throws {
        let setup = try await Setup.make()
        try SSHKeys.allowedSigners(
            [("release@example.com", setup.mallory), ("bob@example.com,alice@example.com", setup.alice)],
            to: setup.allowedSigners)
        try await SSHKeys.sign(setup.planFile, key: setup.alice)
        let approved = try await PlanApproval().readApprovedPlan(
            at: setup.planFile, allowedSigners: setup.allowedSigners)
        #expect(approved.approver.principal == "bob@example.com")
    }

    @Test("no signature file: refused, saying how to approve")
    func unsigned() async throws {
        let setup = try await Setup.make()
        let error = await setup.refusal()
        #expect(error == .signatureMissing(plan: setup.planFile.path, signature: setup.signature.path))
        #expect(error?.description.contains("bulk-update approve \(setup.planFile.path) --key KEY") == true)
    }

    @Test("a signature by a key the allowed-signers file does not list is refused")
    func outsider() async throws {
        let setup = try await Setup.make()
        try await SSHKeys.sign(setup.planFile, key: setup.mallory)
        let error = await setup.refusal()
        #expect(
            error
                == .signerNotAllowed(
                    signature: setup.signature.path, allowedSigners: setup.allowedSigners.path,
                    detail: "No principal matched."))
    }

    @Test("a key the allowed-signers file limits to another namespace is refused")
    func otherNamespaceOnly() async throws {
        let setup = try await Setup.make()
        try SSHKeys.allowedSigners(
            [("alice@example.com", setup.alice)], options: "namespaces=\"git\"", to: setup.allowedSigners)
        try await SSHKeys.sign(setup.planFile, key: setup.alice)
        let error = await setup.refusal()
        guard case .signerNotAllowed(_, _, let detail) = error else {
            Issue.record("expected signerNotAllowed, got \(String(describing: error))")
            return
        }
        #expect(detail.contains("not permitted"), "\(detail)")
    }

    @Test("changing any one byte of the plan after signing breaks the signature", arguments: [0.0, 0.5, 1.0])
    func tampered(position: Double) async throws {
        let setup = try await Setup.make()
        try await SSHKeys.sign(setup.planFile, key: setup.alice)
        var bytes = try setup.bytes()
        let index = min(bytes.count - 1, Int(Double(bytes.count) * position))
        bytes[index] ^= 0x01
        try bytes.write(to: setup.planFile)
        let error = await setup.refusal()
        guard case .planChanged(let plan, let signature, let principal, let detail) = error else {
            Issue.record("expected planChanged, got \(String(describing: error))")
            return
        }
        #expect(plan == setup.planFile.path && signature == setup.signature.path)
        #expect(principal == "alice@example.com")
        #expect(detail.contains("incorrect signature"), "\(detail)")
        #expect(error?.description.contains("was changed after it was signed") == true)
    }

    @Test("a signature made for another namespace (a git signature) is refused")
    func wrongNamespace() async throws {
        let setup = try await Setup.make()
        try await SSHKeys.sign(setup.planFile, key: setup.alice, namespace: "git")
        let error = await setup.refusal()
        guard case .wrongNamespace(let signature, let detail) = error else {
            Issue.record("expected wrongNamespace, got \(String(describing: error))")
            return
        }
        #expect(signature == setup.signature.path)
        #expect(detail == "signed for namespace \"git\"")
        #expect(error?.description.contains("not for namespace bulk-update-plan") == true)
    }

    @Test("the namespace is read from an armored signature; anything else has none")
    func namespaceParsing() async throws {
        let setup = try await Setup.make()
        try await SSHKeys.sign(setup.planFile, key: setup.alice, namespace: "file")
        #expect(PlanApproval.namespace(ofSignature: try Data(contentsOf: setup.signature)) == "file")
        #expect(PlanApproval.namespace(ofSignature: Data("not a signature".utf8)) == nil)
        #expect(PlanApproval.namespace(ofSignature: Data("-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n".utf8)) == nil)
    }

    @Test("a signature file that is not an SSH signature is refused")
    func garbageSignature() async throws {
        let setup = try await Setup.make()
        try Data("not a signature\n".utf8).write(to: setup.signature)
        guard case .signerNotAllowed = await setup.refusal() else {
            Issue.record("expected signerNotAllowed")
            return
        }
    }

    @Test("a missing allowed-signers file is named")
    func missingAllowedSigners() async throws {
        var setup = try await Setup.make()
        try await SSHKeys.sign(setup.planFile, key: setup.alice)
        setup.allowedSigners = setup.directory.appendingPathComponent("nowhere")
        #expect(
            await setup.refusal()
                == .unreadable(path: setup.allowedSigners.path, reason: "No such file or directory"))
    }

    @Test("without ssh-keygen nothing is accepted, and the error says what is missing")
    func noSSHKeygen() async throws {
        let setup = try await Setup.make()
        try await SSHKeys.sign(setup.planFile, key: setup.alice)
        #expect(
            await setup.refusal(PlanApproval(sshKeygen: nil))
                == .sshKeygenUnavailable(path: "ssh-keygen", reason: "not found on PATH"))
        let missing = URL(fileURLWithPath: "/nonexistent/ssh-keygen")
        let error = await setup.refusal(PlanApproval(sshKeygen: missing))
        guard case .sshKeygenUnavailable(let path, _) = error else {
            Issue.record("expected sshKeygenUnavailable, got \(String(describing: error))")
            return
        }
        #expect(path == missing.path)
        #expect(PlanApproval.locate("ssh-keygen", path: "/nonexistent:") == nil)
    }

    @Test("a signed file that is not a valid plan is refused after its signature checks out")
    func signedButNotAPlan() async throws {
        let setup = try await Setup.make()
        try Data("{}\n".utf8).write(to: setup.planFile)
        try await SSHKeys.sign(setup.planFile, key: setup.alice)
        guard case .invalidPlan = await setup.refusal() else {
            Issue.record("expected invalidPlan")
            return
        }
    }

    @Test("signing with a file that is not a key fails with ssh-keygen's reason; a missing key is named")
    func badKey() async throws {
        let setup = try await Setup.make()
        let notAKey = try TestSupport.write("not a key\n", to: "not-a-key", in: setup.directory)
        let approval = PlanApproval()
        await #expect(throws: PlanApprovalError.self) {
            _ = try await approval.sign(try setup.bytes(), key: notAKey, to: setup.signature)
        }
        #expect(!FileManager.default.fileExists(atPath: setup.signature.path))
        let missing = setup.directory.appendingPathComponent("no-such-key")
        await #expect(throws: PlanApprovalError.unreadable(path: missing.path, reason: "No such file or directory")) {
            _ = try await approval.sign(try setup.bytes(), key: missing, to: setup.signature)
        }
    }

    @Test(
        "the key fingerprint is read from ssh-keygen's verdict",
        arguments: [
            (
                "Good \"bulk-update-plan\" signature for alice@example.com with ED25519 key SHA256:abc+/def\n",
                "SHA256:abc+/def"
            ),
            ("Good \"bulk-update-plan\" signature with RSA key SHA256:xyz\n", "SHA256:xyz"),
            ("Could not verify signature.\n", nil),
            ("", nil),
        ])
    func fingerprintParsing(output: String, expected: String?) {
        #expect(PlanApproval.keyFingerprint(in: output) == expected)
    }

    @Test("ssh-keygen's progress lines are left out of error details")
    func details() {
        #expect(
            PlanApproval.detail("Signing data on standard input\nCouldn't load key: bad\n\n  second  \n")
                == "Couldn't load key: bad; second")
    }
}
