import ArgumentParser
import BulkUpdate
import Foundation
import Planner

/// `bulk-update approve PLAN.json --key SSH_KEY`: a reviewer signs a plan they have read.
struct ApproveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Review a saved plan and sign it with your SSH key, so that 'apply --allowed-signers' accepts it.",
        discussion: """
            Reads and checks the plan file, prints its summary and every change, asks for \
            confirmation (--yes skips the question; without a terminal --yes is required), then signs \
            the plan's exact bytes with OpenSSH's ssh-keygen and writes the signature next to it as \
            PLAN.json.sig (replacing any signature there). Nothing is sent to the API.

            The signature is what 'ssh-keygen -Y sign -f KEY -n bulk-update-plan PLAN.json' writes, so \
            a reviewer may equally sign by hand. 'apply --plan PLAN.json --allowed-signers FILE' then \
            applies the plan only if that signature is valid, made under the namespace \
            bulk-update-plan by a key the OpenSSH allowed_signers FILE lists, and the plan has not \
            changed since; it records who approved it in the run's journal and reports.

            Exit status: 0 signed; 2 the plan is invalid, the key cannot sign, ssh-keygen is missing, \
            or no confirmation (nothing signed).

            Examples:
              bulk-update approve plan.json --key ~/.ssh/id_ed25519
              bulk-update approve plan.json --key ~/.ssh/id_ed25519.pub --yes   (the key in ssh-agent)
            """
    )

    @Argument(help: "The plan file to approve (from 'plan --out').", completion: .file())
    var plan: String

    @Option(
        help: "The SSH key to sign with: a private key, or a public key whose private half is in ssh-agent.",
        completion: .file())
    var key: String

    @Flag(help: "Do not ask for confirmation.")
    var yes = false

    func run() async throws {
        let planURL = URL(fileURLWithPath: plan)
        let document: PlanApproval.PlanDocument
        do {
            document = try PlanApproval.readPlan(at: planURL)
        } catch {
            Terminal.errorLine("error: \(error); nothing was signed")
            throw Exit.invalid
        }
        let output = FileHandle.standardOutput
        PlanRenderer.writeText(document.plan) { output.write(Data($0.utf8)) }
        print("")
        try confirm("Sign \(plan) (\(RunLauncher.planSummary(document.plan))) with \(key)?")
        let signature = PlanApproval.signatureURL(for: planURL)
        let fingerprint: String
        do {
            fingerprint = try await PlanApproval().sign(
                document.bytes, key: URL(fileURLWithPath: key), to: signature)
        } catch {
            Terminal.errorLine("error: \(error); nothing was signed")
            throw Exit.invalid
        }
        print("Signed: \(signature.relativePath) (key \(fingerprint), namespace \(PlanApproval.namespace))")
        print("Apply with: bulk-update apply --plan \(plan) --allowed-signers ALLOWED_SIGNERS")
    }

    /// Asks unless `--yes`; without a terminal and without `--yes`, refuses (exit 2).
    private func confirm(_ question: String) throws {
        if yes { return }
        guard Terminal.stdinIsTTY else {
            Terminal.errorLine(
                "error: not signing without confirmation: pass --yes (no terminal to ask on); nothing was signed")
            throw Exit.invalid
        }
        guard Terminal.confirm(question) else {
            Terminal.errorLine("not signed")
            throw Exit.invalid
        }
    }
}
