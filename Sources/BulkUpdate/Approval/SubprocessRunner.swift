import Foundation

/// Runs programs with Foundation's `Process`, never blocking on a pipe.
///
/// No pipe is used at all: standard input given as data comes from an unlinked temporary file (the
/// program may exit without reading it, as ssh-keygen does when it rejects its arguments, where a
/// writer on a pipe would block or die of `SIGPIPE`), and standard output and standard error go to
/// unlinked temporary files, read once the program has ended, so a program that writes megabytes
/// never waits on us. The end of the program is awaited through its termination handler.
public struct SubprocessRunner: SubprocessRunning {
    /// Creates a runner.
    public init() {}

    public func run(_ executable: URL, arguments: [String], input: Data?) async throws(SubprocessError)
        -> SubprocessResult
    {
        let stdin: FileHandle?
        let stdout: FileHandle
        let stderr: FileHandle
        do {
            stdin = try input.map(Self.inputHandle)
            stdout = try Self.scratchFile()
            stderr = try Self.scratchFile()
        } catch {
            throw .cannotLaunch(path: executable.path, reason: "cannot stage its input and output: \(error)")
        }
        defer {
            try? stdin?.close()
            try? stdout.close()
            try? stderr.close()
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let stdin { process.standardInput = stdin }
        process.standardOutput = stdout
        process.standardError = stderr
        let ended = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<(Int32, Bool), SubprocessError>, Never>) in
            process.terminationHandler = { process in
                continuation.resume(
                    returning: .success((process.terminationStatus, process.terminationReason == .uncaughtSignal)))
            }
            do {
                try process.run()
            } catch {
                continuation.resume(
                    returning: .failure(.cannotLaunch(path: executable.path, reason: Self.reason(error))))
            }
        }
        let (status, signalled) = try ended.get()
        return SubprocessResult(
            status: status, signalled: signalled, stdout: Self.contents(of: stdout), stderr: Self.contents(of: stderr))
    }

    /// An unlinked temporary file open for reading and writing: the program's output goes there.
    private static func scratchFile() throws -> FileHandle {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("bulk-update-output-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600])
        else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        defer { try? FileManager.default.removeItem(at: url) }
        return try FileHandle(forUpdating: url)
    }

    /// Everything written to a scratch file.
    private static func contents(of handle: FileHandle) -> Data {
        (try? handle.seek(toOffset: 0)).flatMap { _ in try? handle.readToEnd() } ?? Data()
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
