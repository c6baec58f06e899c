import Foundation
import Planner

/// Signs plan files and checks their signatures with OpenSSH's `ssh-keygen -Y`, as git signs commits.
///
/// A reviewer approves a plan by signing its exact bytes with an SSH key under the namespace
/// ``namespace``; the signature lives next to the plan as `PLAN.json.sig`. `apply --plan
/// --allowed-signers FILE` accepts the plan only when that signature is valid and made by a key the
/// OpenSSH allowed-signers file lists, and records who signed (``PlanApprover``).
///
/// `ssh-keygen` is run through a ``SubprocessRunning`` and found on `PATH` unless a path is given,
/// so tests can point it anywhere.
public struct PlanApproval: Sendable {
    /// The signature namespace (`ssh-keygen -n`): a plan signature cannot pass for a git commit
    /// signature or the other way round.
    public static let namespace = "bulk-update-plan"

    /// The `ssh-keygen` executable, or `nil` when none was found.
    public var sshKeygen: URL?
    /// Runs `ssh-keygen`.
    public var runner: any SubprocessRunning

    /// Creates an approval helper.
    ///
    /// - Parameters:
    ///   - sshKeygen: the executable to run; by default `ssh-keygen` on `PATH`.
    ///   - runner: how to run it.
    public init(
        sshKeygen: URL? = PlanApproval.locate("ssh-keygen"), runner: any SubprocessRunning = SubprocessRunner()
    ) {
        self.sshKeygen = sshKeygen
        self.runner = runner
    }

    /// A plan file as read: its exact bytes and the plan they hold.
    public struct PlanDocument: Sendable {
        /// The file.
        public var url: URL
        /// Its bytes, exactly as signed or to be signed.
        public var bytes: Data
        /// The plan decoded from ``bytes`` (version and fingerprint checked).
        public var plan: Plan
    }

    /// A plan whose signature was verified, with who signed it.
    public struct ApprovedPlan: Sendable {
        /// The plan, decoded from the bytes whose signature was verified.
        public var plan: Plan
        /// The principal that verified and the signing key's fingerprint.
        public var approver: PlanApprover
    }

    /// Where the signature of the plan file at `plan` lives: `PLAN.json.sig`, as `ssh-keygen -Y sign` writes it.
    public static func signatureURL(for plan: URL) -> URL {
        plan.appendingPathExtension("sig")
    }

    /// Reads a plan file once, keeping its bytes (what is shown is what gets signed).
    ///
    /// - Throws: ``PlanApprovalError/unreadable(path:reason:)`` or ``PlanApprovalError/invalidPlan(_:)``.
    public static func readPlan(at url: URL) throws(PlanApprovalError) -> PlanDocument {
        let bytes = try read(url)
        do {
            return PlanDocument(url: url, bytes: bytes, plan: try PlanFile.decode(bytes, path: url.relativePath))
        } catch {
            throw .invalidPlan(error)
        }
    }

    /// Reads the plan at `url` and accepts it only if `url.sig` is a valid signature of its exact
    /// bytes, under ``namespace``, by a principal of the `allowedSigners` file.
    ///
    /// The signature is checked before the bytes are decoded, and the plan returned is decoded from
    /// the very bytes that were checked.
    public func readApprovedPlan(at url: URL, allowedSigners: URL) async throws(PlanApprovalError) -> ApprovedPlan {
        let bytes = try Self.read(url)
        let approver = try await verify(
            bytes, plan: url.relativePath, signature: Self.signatureURL(for: url), allowedSigners: allowedSigners)
        do {
            return ApprovedPlan(plan: try PlanFile.decode(bytes, path: url.relativePath), approver: approver)
        } catch {
            throw .invalidPlan(error)
        }
    }

    /// Checks that `signature` signs exactly `bytes` under ``namespace`` with a key that
    /// `allowedSigners` lists, and returns the signer.
    ///
    /// Runs `ssh-keygen -Y find-principals` for the principals the file gives the signing key, then
    /// `ssh-keygen -Y verify` with each until one verifies (the bytes on its standard input).
    ///
    /// - Parameter plan: the plan's path, for messages.
    public func verify(
        _ bytes: Data, plan: String, signature: URL, allowedSigners: URL
    ) async throws(PlanApprovalError) -> PlanApprover {
        guard FileManager.default.fileExists(atPath: signature.path) else {
            throw .signatureMissing(plan: plan, signature: signature.relativePath)
        }
        _ = try Self.read(signature)
        _ = try Self.read(allowedSigners)
        let found = try await sshKeygen(
            ["-Y", "find-principals", "-n", Self.namespace, "-s", signature.path, "-f", allowedSigners.path],
            input: Data())
        let principals = found.stdoutText.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard found.succeeded, let first = principals.first else {
            throw .signerNotAllowed(
                signature: signature.relativePath, allowedSigners: allowedSigners.relativePath,
                detail: Self.detail(found.stderrText))
        }
        var failure = ""
        for principal in principals {
            let verified = try await sshKeygen(
                [
                    "-Y", "verify", "-f", allowedSigners.path, "-I", principal, "-n", Self.namespace, "-s",
                    signature.path,
                ],
                input: bytes)
            guard verified.succeeded else {
                if failure.isEmpty { failure = Self.detail(verified.stderrText) }
                continue
            }
            guard let fingerprint = Self.keyFingerprint(in: verified.stdoutText) else {
                throw .unexpectedOutput(command: "ssh-keygen -Y verify", output: verified.stdoutText)
            }
            return PlanApprover(principal: principal, keyFingerprint: fingerprint)
        }
        // Why it failed, from the signature itself rather than from ssh-keygen's wording: made under
        // another namespace; or valid for these bytes but the key is not allowed to sign plans (the
        // file limits it to other namespaces or to another time); otherwise the bytes changed.
        if let other = Self.namespace(ofSignature: (try? Data(contentsOf: signature)) ?? Data()),
            other != Self.namespace
        {
            throw .wrongNamespace(signature: signature.relativePath, detail: "signed for namespace \"\(other)\"")
        }
        let intact = try await sshKeygen(
            ["-Y", "check-novalidate", "-n", Self.namespace, "-s", signature.path], input: bytes)
        if intact.succeeded {
            throw .signerNotAllowed(
                signature: signature.relativePath, allowedSigners: allowedSigners.relativePath, detail: failure)
        }
        throw .planChanged(plan: plan, signature: signature.relativePath, principal: first, detail: failure)
    }

    /// Signs `bytes` (a plan file's content) with `key` and writes the signature to `signature`,
    /// replacing any signature there; returns the signing key's fingerprint.
    ///
    /// Runs `ssh-keygen -Y sign -f KEY -n bulk-update-plan FILE` on a private copy of the bytes, so
    /// the signature covers exactly what the reviewer was shown even if the plan file changes
    /// meanwhile, and gives ssh-keygen the terminal to ask for the key's passphrase. The result is
    /// byte for byte what the same command run by hand on the plan file writes.
    ///
    /// - Parameter key: the private key, or a public key whose private half is in `ssh-agent`.
    public func sign(_ bytes: Data, key: URL, to signature: URL) async throws(PlanApprovalError) -> String {
        guard FileManager.default.fileExists(atPath: key.path) else {
            throw .unreadable(path: key.relativePath, reason: "No such file or directory")
        }
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("bulk-update-approve-\(UUID().uuidString)", isDirectory: true)
        let copy = scratch.appendingPathComponent("plan.json")
        do {
            try FileManager.default.createDirectory(
                at: scratch, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            try bytes.write(to: copy)
        } catch {
            throw .cannotWrite(path: copy.path, reason: error.localizedDescription)
        }
        defer { try? FileManager.default.removeItem(at: scratch) }
        let signed = try await sshKeygen(
            ["-Y", "sign", "-f", key.path, "-n", Self.namespace, copy.path], input: nil)
        let made = Self.signatureURL(for: copy)
        guard signed.succeeded, let armored = try? Data(contentsOf: made) else {
            throw .signingFailed(key: key.relativePath, detail: Self.detail(signed.stderrText))
        }
        do {
            try armored.write(to: signature, options: .atomic)
        } catch {
            throw .cannotWrite(path: signature.relativePath, reason: error.localizedDescription)
        }
        let checked = try await sshKeygen(
            ["-Y", "check-novalidate", "-n", Self.namespace, "-s", signature.path], input: bytes)
        guard checked.succeeded, let fingerprint = Self.keyFingerprint(in: checked.stdoutText) else {
            throw .unexpectedOutput(
                command: "ssh-keygen -Y check-novalidate", output: checked.stdoutText + checked.stderrText)
        }
        return fingerprint
    }

    // MARK: Helpers

    /// The executable called `name` in the first directory of `path` (a `PATH` value) that holds one.
    public static func locate(
        _ name: String, path: String? = ProcessInfo.processInfo.environment["PATH"]
    ) -> URL? {
        for directory in (path ?? "").split(separator: ":") where !directory.isEmpty {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// The key fingerprint in ssh-keygen's verdict, `Good "NS" signature [for PRINCIPAL] with
    /// ED25519 key SHA256:…`: the word after the last ` key `.
    package static func keyFingerprint(in output: String) -> String? {
        for line in output.split(whereSeparator: \.isNewline).reversed() where line.hasPrefix("Good ") {
            guard let range = line.range(of: " key ", options: .backwards) else { continue }
            let word = line[range.upperBound...].split(separator: " ").first.map(String.init) ?? ""
            if !word.isEmpty { return word }
        }
        return nil
    }

    /// The namespace an armored SSH signature (`-----BEGIN SSH SIGNATURE-----`) was made under, or
    /// `nil` when the data is not one.
    ///
    /// The blob (PROTOCOL.sshsig) is `"SSHSIG"`, a `uint32` version, then length-prefixed strings:
    /// the public key, the namespace, …
    package static func namespace(ofSignature armored: Data) -> String? {
        let body = String(decoding: armored, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("-----") }
            .joined()
        guard let blob = Data(base64Encoded: body).map(Array.init), blob.count >= 10,
            blob[0..<6].elementsEqual("SSHSIG".utf8)
        else { return nil }
        var offset = 10
        func string() -> [UInt8]? {
            guard offset + 4 <= blob.count else { return nil }
            let length = blob[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            offset += 4
            guard length <= blob.count - offset else { return nil }
            defer { offset += length }
            return Array(blob[offset..<offset + length])
        }
        guard string() != nil, let namespace = string() else { return nil }
        return String(decoding: namespace, as: UTF8.self)
    }

    /// ssh-keygen's complaint on standard error, as one line without its progress chatter.
    package static func detail(_ stderr: String) -> String {
        stderr.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("Signing ") && !$0.hasPrefix("Write signature") }
            .joined(separator: "; ")
    }

    private func sshKeygen(_ arguments: [String], input: Data?) async throws(PlanApprovalError) -> SubprocessResult {
        guard let sshKeygen else {
            throw .sshKeygenUnavailable(path: "ssh-keygen", reason: "not found on PATH")
        }
        do {
            return try await runner.run(sshKeygen, arguments: arguments, input: input)
        } catch {
            switch error {
            case .cannotLaunch(let path, let reason): throw .sshKeygenUnavailable(path: path, reason: reason)
            }
        }
    }

    private static func read(_ url: URL) throws(PlanApprovalError) -> Data {
        do {
            return try Data(contentsOf: url)
        } catch {
            throw .unreadable(path: url.relativePath, reason: Self.reason(error))
        }
    }

    /// The system's words for a read failure (`No such file or directory`, `Permission denied`).
    private static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? any Error {
            let posix = underlying as NSError
            if posix.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(posix.code))) }
        }
        return nsError.localizedDescription
    }
}
