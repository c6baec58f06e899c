import Foundation

/// Runs programs with Foundation's `Process`, never blocking on a full pipe.
///
/// Standard input given as data comes from an unlinked temporary file rather than a pipe: the program may exit
/// without reading it (ssh-keygen does when it rejects its arguments), and a writer on a pipe
/// would then block or die of `SIGPIPE`. Standard output and standard error are drained on two
/// threads of their own while the program runs, so a program that writes megabytes to either
/// never waits on us.
public struct SubprocessRunner: SubprocessRunning {
    /// Creates a runner.
    public init() {}

    public func run(_ executable: URL, arguments: [String], input: Data?) async throws(SubprocessError)
        -> SubprocessResult
    {
        let outcome = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<SubprocessResult, SubprocessError>, Never>) in
            // The blocking waits happen on a thread of their own, never on the cooperative pool.
            Thread.detachNewThread {
                continuation.resume(returning: Self.runBlocking(executable, arguments: arguments, input: input))
            }
        }
        return try outcome.get()
    }

    private static func runBlocking(_ executable: URL, arguments: [String], input: Data?) -> Result<
        SubprocessResult, SubprocessError
    > {
        var stdin: FileHandle?
        if let input {
            do {
                stdin = try inputHandle(input)
            } catch {
                return .failure(.cannotLaunch(path: executable.path, reason: "cannot stage its input: \(error)"))
            }
        }
        defer { try? stdin?.close() }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        if let stdin { process.standardInput = stdin }
        process.standardOutput = out
        process.standardError = err
        let stdoutData = Drain(out.fileHandleForReading)
        let stderrData = Drain(err.fileHandleForReading)
        do {
            try process.run()
        } catch {
            try? out.fileHandleForWriting.close()
            try? err.fileHandleForWriting.close()
            return .failure(.cannotLaunch(path: executable.path, reason: reason(error)))
        }
        // Our copies of the write ends must go, or the readers never see the end of the file.
        try? out.fileHandleForWriting.close()
        try? err.fileHandleForWriting.close()
        let stdoutBytes = stdoutData.wait()
        let stderrBytes = stderrData.wait()
        process.waitUntilExit()
        return .success(
            SubprocessResult(
                status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
                stdout: stdoutBytes, stderr: stderrBytes))
    }

    /// A handle of its own reading `input` from the start: `/dev/null` when empty, else an unlinked
    /// temporary file.
    private static func inputHandle(_ input: Data) throws -> FileHandle {
        guard !input.isEmpty else { return try FileHandle(forReadingFrom: URL(fileURLWithPath: "/dev/null")) }
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("bulk-update-stdin-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: url.path, contents: input, attributes: [.posixPermissions: 0o600])
        else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        defer { try? FileManager.default.removeItem(at: url) }
        return try FileHandle(forReadingFrom: url)
    }

    /// The system's own words for a launch failure (`No such file or directory`, `Permission denied`).
    private static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain,
            let code = POSIXErrorCode(rawValue: Int32(underlying.code))
        {
            return String(cString: strerror(code.rawValue))
        }
        if nsError.domain == NSCocoaErrorDomain,
            nsError.code == CocoaError.fileNoSuchFile.rawValue
                || nsError.code == CocoaError.fileReadNoSuchFile.rawValue
        {
            return "No such file or directory"
        }
        return nsError.localizedDescription
    }
}

/// Reads one pipe to its end on a thread of its own.
private final class Drain: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    // Written once by the reading thread before `done` is signalled; read only after waiting on it.
    private var data = Data()

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    /// Everything the pipe delivered, once it is closed.
    func wait() -> Data {
        done.wait()
        return data
    }
}
