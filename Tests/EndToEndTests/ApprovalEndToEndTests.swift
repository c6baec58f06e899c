import BulkUpdate
import Foundation
import Sandbox
import TestSupport
import Testing

extension EndToEnd {
    /// `approve` signs a plan with an SSH key; `apply --plan --allowed-signers` refuses any plan
    /// that is not signed, as it is, by a listed key, before sending a single request.
    @Suite("signed plan approvals, end to end")
    struct ApprovalEndToEndTests {
        static let newCredentials = "99999999-9999-4999-8999-999999999999"

        /// A plan of a credential rotation of every sandbox config, a reviewer's key (alice, listed
        /// in the allowed-signers file) and an outsider's (mallory, not listed).
        struct Review {
            var directory: URL
            var planFile: URL
            var alice: URL
            var mallory: URL
            var allowedSigners: URL
            var configs: [SandboxConfig]

            var signature: URL { PlanApproval.signatureURL(for: planFile) }
            var runDir: URL { directory.appendingPathComponent("run") }

            /// `apply --plan PLAN --allowed-signers FILE --yes` into ``runDir``.
            func apply(_ sandbox: SandboxServer, environment: [String: String]? = nil, extra: [String] = [])
                async throws -> CLIResult
            {
                try await CLIRunner.run(
                    [
                        "apply", "--plan", planFile.path, "--allowed-signers", allowedSigners.path, "--yes", "--quiet",
                        "--run-dir", runDir.path,
                    ] + extra, environment: environment ?? sandbox.cliEnvironment)
            }

            /// `approve PLAN --key KEY --yes`.
            func approve(with key: URL) async throws -> CLIResult {
                try await CLIRunner.run(["approve", planFile.path, "--key", key.path, "--yes"])
            }
        }

        /// Plans the rotation against the sandbox and makes the keys; the sandbox's statistics are
        /// zeroed afterwards, so a test can count the requests of the apply alone.
        func review(_ sandbox: SandboxServer) async throws -> Review {
            let directory = try TestSupport.temporaryDirectory("approval-e2e")
            let configs = await sandbox.configs().sorted { $0.id < $1.id }
            let changes = try RunFiles.credentialChanges(configs.map(\.id), to: Self.newCredentials, in: directory)
            let planFile = directory.appendingPathComponent("plan.json")
            let planned = try await CLIRunner.run(
                ["plan", changes.path, "--out", planFile.path], environment: sandbox.cliEnvironment)
            #expect(planned.status == 0, "\(planned.stderr)")
            let alice = try await SSHKeys.generate("alice", in: directory)
            let mallory = try await SSHKeys.generate("mallory", in: directory)
            let allowedSigners = try SSHKeys.allowedSigners(
                [("alice@example.com", alice)], to: directory.appendingPathComponent("allowed_signers"))
            await sandbox.reset()
            return Review(
                directory: directory, planFile: planFile, alice: alice, mallory: mallory,
                allowedSigners: allowedSigners, configs: configs)
        }

        /// How a plan fails its approval check.
        enum Refusal: String, CaseIterable, Sendable, CustomTestStringConvertible {
            case unsigned, outsider, tampered, wrongNamespace, noSSHKeygen

            var testDescription: String { rawValue }

            /// What stderr must say.
            var message: String {
                switch self {
                case .unsigned: "is not signed: there is no"
                case .outsider: "was not made by a key that"
                case .tampered: "was changed after it was signed"
                case .wrongNamespace: "not for namespace bulk-update-plan"
                case .noSSHKeygen: "plan signatures need OpenSSH's ssh-keygen"
                }
            }
        }

        @Test(
            "a plan not signed, as it is, by a listed key is refused: exit 2, no run directory, not one request",
            arguments: Refusal.allCases)
        func refused(_ refusal: Refusal) async throws {
            try await withSandbox(SandboxOptions(seedConfigs: 8, seed: 71)) { sandbox in
                let review = try await review(sandbox)
                var environment = sandbox.cliEnvironment
                switch refusal {
                case .unsigned:
                    break
                case .outsider:
                    let signed = try await review.approve(with: review.mallory)
                    #expect(signed.status == 0, "\(signed.stderr)")
                case .tampered:
                    let signed = try await review.approve(with: review.alice)
                    #expect(signed.status == 0, "\(signed.stderr)")
                    // One byte of the plan's fingerprint, changed after signing.
                    var bytes = try Data(contentsOf: review.planFile)
                    let fingerprint = try #require(
                        bytes.range(of: Data(#""fingerprint":""#.utf8))?.upperBound)
                    bytes[fingerprint] = bytes[fingerprint] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
                    try bytes.write(to: review.planFile)
                case .wrongNamespace:
                    try await SSHKeys.sign(review.planFile, key: review.alice, namespace: "git")
                case .noSSHKeygen:
                    let signed = try await review.approve(with: review.alice)
                    #expect(signed.status == 0, "\(signed.stderr)")
                    environment["PATH"] = review.directory.appendingPathComponent("empty-bin").path
                }
                let result = try await review.apply(sandbox, environment: environment)
                #expect(result.status == 2, "\(result.stdout)\n\(result.stderr)")
                #expect(result.stderr.contains(refusal.message), "\(result.stderr)")
                #expect(result.stderr.contains("nothing was sent"), "\(result.stderr)")
                #expect(!FileManager.default.fileExists(atPath: review.runDir.path))
                #expect(await sandbox.stats().totalRequests == 0)
                #expect(await sandbox.configs().sorted { $0.id < $1.id } == review.configs)
            }
        }

        @Test("--allowed-signers without --plan is a usage error")
        func allowedSignersNeedsPlan() async throws {
            let dir = try TestSupport.temporaryDirectory()
            let changes = try RunFiles.credentialChanges(
                ["11111111-1111-4111-8111-111111111111"], to: Self.newCredentials, in: dir)
            let result = try await CLIRunner.run(
                ["apply", changes.path, "--allowed-signers", dir.appendingPathComponent("allowed").path])
            #expect(result.status == 64, "\(result.stderr)")
            #expect(result.stderr.contains("--allowed-signers goes with --plan"), "\(result.stderr)")
        }

        @Test("approve shows the plan, and without a terminal or --yes signs nothing (exit 2); a bad key: exit 2")
        func approveRefusals() async throws {
            try await withSandbox(SandboxOptions(seedConfigs: 3, seed: 72)) { sandbox in
                let review = try await review(sandbox)
                let unconfirmed = try await CLIRunner.run(["approve", review.planFile.path, "--key", review.alice.path])
                #expect(unconfirmed.status == 2, "\(unconfirmed.stderr)")
                #expect(unconfirmed.stdout.contains("3 configs targeted: 3 update"), "\(unconfirmed.stdout)")
                #expect(unconfirmed.stdout.contains("integrationCredentialsId: "), "\(unconfirmed.stdout)")
                #expect(unconfirmed.stderr.contains("not signing without confirmation: pass --yes"))
                #expect(!FileManager.default.fileExists(atPath: review.signature.path))

                let notAKey = try TestSupport.write("not a key\n", to: "not-a-key", in: review.directory)
                let badKey = try await review.approve(with: notAKey)
                #expect(badKey.status == 2, "\(badKey.stderr)")
                #expect(badKey.stderr.contains("could not sign with the key \(notAKey.path)"), "\(badKey.stderr)")
                #expect(!FileManager.default.fileExists(atPath: review.signature.path))

                let noPlan = try await CLIRunner.run(
                    [
                        "approve", review.directory.appendingPathComponent("nowhere.json").path, "--key",
                        review.alice.path,
                    ])
                #expect(noPlan.status == 2, "\(noPlan.stderr)")
                #expect(noPlan.stderr.contains("nowhere.json"), "\(noPlan.stderr)")
                #expect(await sandbox.stats().totalRequests == 0)
            }
        }

        @Test(
            "a plan approved with 'approve' is applied (exit 0); the approver and key are in the journal and every report"
        )
        func approvedRun() async throws {
            try await withSandbox(SandboxOptions(seedConfigs: 12, seed: 73)) { sandbox in
                let review = try await review(sandbox)
                let fingerprint = try await SSHKeys.fingerprint(of: review.alice)
                let signed = try await review.approve(with: review.alice)
                #expect(signed.status == 0, "\(signed.stderr)")
                #expect(
                    signed.stdout.contains("Signed: \(review.signature.path) (key \(fingerprint)"), "\(signed.stdout)")
                // The signature is the one a reviewer makes by hand with ssh-keygen.
                let byCommand = try Data(contentsOf: review.signature)
                try await SSHKeys.sign(review.planFile, key: review.alice)
                #expect(try Data(contentsOf: review.signature) == byCommand)

                let result = try await review.apply(sandbox)
                #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
                #expect(
                    result.stdout.contains("Approved by alice@example.com (key \(fingerprint))"), "\(result.stdout)")
                #expect(await sandbox.configs().allSatisfy { $0.integrationCredentialsId == Self.newCredentials })
                try expectApprover(in: review.runDir, fingerprint: fingerprint, headers: 1)
            }
        }

        @Test("a run of an approved plan killed mid-way and resumed keeps its approver")
        func resumeKeepsApprover() async throws {
            var faults = SandboxFaults()
            faults.latencyMs = 30
            try await withSandbox(SandboxOptions(seedConfigs: 60, seed: 74, faults: faults)) { sandbox in
                let review = try await review(sandbox)
                let fingerprint = try await SSHKeys.fingerprint(of: review.alice)
                #expect(try await review.approve(with: review.alice).status == 0)
                let first = try CLIProcess.start(
                    [
                        "apply", "--plan", review.planFile.path, "--allowed-signers", review.allowedSigners.path,
                        "--yes", "--quiet", "--rate", "20", "--run-dir", review.runDir.path,
                    ],
                    environment: sandbox.cliEnvironment)
                let deadline = ContinuousClock.now + .seconds(60)
                while await sandbox.stats().totalWrites < 5, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
                first.send(SIGKILL)
                #expect(await first.wait().signalled)
                let written = await sandbox.stats().totalWrites
                #expect(written > 0 && written < review.configs.count, "written \(written)")

                let resumed = try await CLIRunner.run(
                    ["resume", review.runDir.path, "--quiet"], environment: sandbox.cliEnvironment)
                #expect(resumed.status == 0, "\(resumed.stdout)\n\(resumed.stderr)")
                let stats = await sandbox.stats()
                #expect(stats.writesById.count == review.configs.count)
                #expect(stats.writesById.values.allSatisfy { $0 == 1 })
                try expectApprover(in: review.runDir, fingerprint: fingerprint, headers: 2)
            }
        }

        /// Checks that alice and her key are in every header line of the journal and in each report.
        func expectApprover(in runDir: URL, fingerprint: String, headers: Int) throws {
            let journal = try String(contentsOf: runDir.appendingPathComponent("journal.jsonl"), encoding: .utf8)
            var approvers: [[String: String]] = []
            for line in journal.split(separator: "\n") {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                guard object["type"] as? String != "outcome" else { continue }
                approvers.append(try #require(object["approvedBy"] as? [String: String]))
            }
            let alice = ["principal": "alice@example.com", "keyFingerprint": fingerprint]
            #expect(approvers == Array(repeating: alice, count: headers))

            let summary = try #require(RunFiles.report(runDir)["summary"] as? [String: Any])
            #expect(summary["approvedBy"] as? [String: String] == alice)
            let markdown = try String(contentsOf: runDir.appendingPathComponent("report.md"), encoding: .utf8)
            #expect(markdown.contains("| Approved by | alice@example.com, key `\(fingerprint)` |"), "\(markdown)")
            let csv = try String(contentsOf: runDir.appendingPathComponent("report.csv"), encoding: .utf8)
            let records = csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }
            #expect(records.first?.hasSuffix(",approvedBy,approvalKey") == true)
            #expect(records.count > 1)
            #expect(records.dropFirst().allSatisfy { $0.hasSuffix(",alice@example.com,\(fingerprint)") }, "\(csv)")
            let html = try String(contentsOf: runDir.appendingPathComponent("report.html"), encoding: .utf8)
            #expect(
                html.contains("<dt>Approved by</dt><dd>alice@example.com <span class=\"dim\">\(fingerprint)</span>"))
        }
    }
}
