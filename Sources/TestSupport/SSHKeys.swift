import BulkUpdate
import Foundation

/// SSH keys and signatures made in a test with the real `ssh-keygen`, as a reviewer would.
public enum SSHKeys {
    /// `ssh-keygen` failed while a test was setting up.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The `ssh-keygen` on `PATH`.
    public static func sshKeygen() throws -> URL {
        guard let url = PlanApproval.locate("ssh-keygen") else { throw Failure(description: "no ssh-keygen on PATH") }
        return url
    }

    /// Runs `ssh-keygen arguments…` and returns its standard output; throws when it fails.
    @discardableResult
    public static func run(_ arguments: [String], input: Data = Data()) async throws -> String {
        let result = try await SubprocessRunner().run(try sshKeygen(), arguments: arguments, input: input)
        guard result.succeeded else {
            throw Failure(description: "ssh-keygen \(arguments.joined(separator: " ")): \(result.stderrText)")
        }
        return result.stdoutText
    }

    /// Makes an Ed25519 key pair without a passphrase, `name` and `name.pub` in `directory`, and
    /// returns the private key's URL.
    public static func generate(_ name: String, in directory: URL) async throws -> URL {
        let key = directory.appendingPathComponent(name)
        try await run(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", key.path])
        return key
    }

    /// The public key's `TYPE BASE64` (`ssh-ed25519 AAAA…`), without its comment.
    public static func publicKey(of key: URL) throws -> String {
        let text = try String(contentsOf: key.appendingPathExtension("pub"), encoding: .utf8)
        return text.split(separator: " ").prefix(2).joined(separator: " ")
    }

    /// The key's fingerprint as ssh-keygen prints it (`SHA256:…`).
    public static func fingerprint(of key: URL) async throws -> String {
        let line = try await run(["-l", "-f", key.appendingPathExtension("pub").path])
        let words = line.split(separator: " ")
        guard words.count > 1 else { throw Failure(description: "unexpected ssh-keygen -l output: \(line)") }
        return String(words[1])
    }

    /// Writes an OpenSSH allowed-signers file: one `PRINCIPAL [OPTIONS] KEYTYPE KEY` line per entry.
    @discardableResult
    public static func allowedSigners(
        _ entries: [(principal: String, key: URL)], options: String? = nil, to url: URL
    ) throws -> URL {
        var text = ""
        for entry in entries {
            text += entry.principal + (options.map { " \($0)" } ?? "") + " \(try publicKey(of: entry.key))\n"
        }
        try Data(text.utf8).write(to: url)
        return url
    }

    /// Signs `file` by hand: `ssh-keygen -Y sign -f KEY -n NAMESPACE FILE`, which writes `FILE.sig`
    /// (an existing one is removed first, or ssh-keygen would ask whether to overwrite it).
    public static func sign(_ file: URL, key: URL, namespace: String = PlanApproval.namespace) async throws {
        try? FileManager.default.removeItem(at: file.appendingPathExtension("sig"))
        try await run(["-Y", "sign", "-f", key.path, "-n", namespace, file.path])
    }
}
