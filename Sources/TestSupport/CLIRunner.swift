import Foundation

/// The result of one run of the `bulk-update` binary.
public struct CLIResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    /// True when the process ended by a signal (`status` is then the signal number).
    public var signalled: Bool
}

/// Runs the real, built `bulk-update` executable as a child process (end-to-end tests).
public enum CLIRunner {
    /// The built `bulk-update` binary: next to the test bundle, else under `.build/debug`.
    public static func executableURL(filePath: String = #filePath) throws -> URL {
        var candidates: [URL] = []
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(directory.appendingPathComponent("bulk-update"))
            directory = directory.deletingLastPathComponent()
        }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("bulk-update"))
        candidates.append(packageRoot(filePath: filePath).appendingPathComponent(".build/debug/bulk-update"))
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate
        }
        throw CocoaError(
            .fileNoSuchFile,
            userInfo: [NSLocalizedDescriptionKey: "bulk-update binary not found; run `swift build` first"])
    }

    /// The package's root folder (where Package.swift is).
    public static func packageRoot(filePath: String = #filePath) -> URL {
        var url = URL(fileURLWithPath: filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url = url.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }

    /// Runs `bulk-update arguments…` to completion.
    ///
    /// The child gets a clean environment: only `PATH`, `HOME` and `environment`, so a developer's
    /// own `M3TER_*` variables never leak into a test.
    public static func run(
        _ arguments: [String], environment: [String: String] = [:], directory: URL? = nil, stdin: String? = nil
    ) async throws -> CLIResult {
        let process = try CLIProcess.start(arguments, environment: environment, directory: directory, stdin: stdin)
        return await process.wait()
    }
}

/// A running `bulk-update` child process that a test can signal or kill.
public final class CLIProcess: @unchecked Sendable {
    private let process: Process
    private let stdoutBuffer = OutputBuffer()
    private let stderrBuffer = OutputBuffer()
    private let group = DispatchGroup()

    private init(process: Process) {
        self.process = process
    }

    /// Starts `bulk-update arguments…` without waiting for it.
    public static func start(
        _ arguments: [String], environment: [String: String] = [:], directory: URL? = nil, stdin: String? = nil
    ) throws -> CLIProcess {
        let process = Process()
        process.executableURL = try CLIRunner.executableURL()
        process.arguments = arguments
        var env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "NO_COLOR": "1"]
        env["HOME"] = ProcessInfo.processInfo.environment["HOME"]
        env.merge(environment) { _, new in new }
        process.environment = env
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        let child = CLIProcess(process: process)
        child.drain(out, into: child.stdoutBuffer)
        child.drain(err, into: child.stderrBuffer)
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? input.fileHandleForWriting.close()
        return child
    }

    private func drain(_ pipe: Pipe, into buffer: OutputBuffer) {
        group.enter()
        let handle = pipe.fileHandleForReading
        Thread.detachNewThread { [group] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
            }
            group.leave()
        }
    }

    /// The process id.
    public var pid: Int32 { process.processIdentifier }

    /// Sends `signal` (e.g. `SIGKILL`, `SIGINT`) to the process.
    public func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// What the process has written to stderr so far.
    public var stderrSoFar: String { stderrBuffer.text }

    /// Waits for the process to end and returns its status and output.
    public func wait() async -> CLIResult {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { [self] in
                process.waitUntilExit()
                group.wait()
                continuation.resume(
                    returning: CLIResult(
                        status: process.terminationStatus, stdout: stdoutBuffer.text, stderr: stderrBuffer.text,
                        signalled: process.terminationReason == .uncaughtSignal))
            }
        }
    }
}

private final class OutputBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()

    func append(_ chunk: Data) {
        lock.lock()
        data.append(chunk)
        lock.unlock()
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }
}
