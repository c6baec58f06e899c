import Foundation

/// Runs a program to completion: the seam ``PlanApproval`` calls `ssh-keygen` through.
///
/// Tests inject their own runner (or a path to another executable) to observe or script the calls.
public protocol SubprocessRunning: Sendable {
    /// Runs `executable` with `arguments` and returns once it has exited and both its output
    /// streams have been read to the end.
    ///
    /// - Parameter input: the program's standard input; `nil` shares ours, so that a program can
    ///   ask the user something on the terminal (ssh-keygen asks for a key's passphrase).
    /// - Throws: ``SubprocessError/cannotLaunch(path:reason:)`` when the program cannot be started.
    func run(_ executable: URL, arguments: [String], input: Data?) async throws(SubprocessError) -> SubprocessResult
}

/// What a finished program left: its exit status and everything it wrote.
public struct SubprocessResult: Sendable, Hashable {
    /// The exit status (the signal number when ``signalled``).
    public var status: Int32
    /// Whether the program was ended by a signal.
    public var signalled: Bool
    /// Everything written to standard output.
    public var stdout: Data
    /// Everything written to standard error.
    public var stderr: Data

    /// Creates a result.
    public init(status: Int32, signalled: Bool = false, stdout: Data = Data(), stderr: Data = Data()) {
        self.status = status
        self.signalled = signalled
        self.stdout = stdout
        self.stderr = stderr
    }

    /// Whether the program exited with status 0.
    public var succeeded: Bool { status == 0 && !signalled }

    /// Standard output as text (invalid UTF-8 repaired).
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }

    /// Standard error as text (invalid UTF-8 repaired).
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

/// Why a program could not be run.
public enum SubprocessError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The executable is missing, not executable, or the system refused to start it.
    case cannotLaunch(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotLaunch(let path, let reason): "cannot run \(path): \(reason)"
        }
    }
}
