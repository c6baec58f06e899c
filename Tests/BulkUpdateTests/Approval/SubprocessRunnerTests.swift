import BulkUpdate
import Foundation
import Testing

@Suite("Subprocess runner")
struct SubprocessRunnerTests {
    static let shell = URL(fileURLWithPath: "/bin/sh")

    @Test("megabytes on standard output and standard error at once are read in full, without a deadlock")
    func largeOutputs() async throws {
        let result = try await SubprocessRunner().run(
            Self.shell, arguments: ["-c", "head -c 3000000 /dev/zero; head -c 2000000 /dev/zero >&2; exit 7"],
            input: nil)
        #expect(result.status == 7)
        #expect(!result.signalled)
        #expect(result.stdout.count == 3_000_000)
        #expect(result.stderr.count == 2_000_000)
    }

    @Test("megabytes of input reach the program's standard input")
    func largeInput() async throws {
        let input = Data(repeating: 0x61, count: 5_000_000)
        let result = try await SubprocessRunner().run(Self.shell, arguments: ["-c", "wc -c"], input: input)
        #expect(result.succeeded)
        #expect(result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) == "5000000")
    }

    @Test("a program that exits without reading its input neither blocks nor kills the caller")
    func unreadInput() async throws {
        let result = try await SubprocessRunner().run(
            Self.shell, arguments: ["-c", "echo refused >&2; exit 3"], input: Data(repeating: 0x62, count: 5_000_000))
        #expect(result.status == 3)
        #expect(result.stderrText == "refused\n")
    }

    @Test("empty input reads as end of file at once")
    func emptyInput() async throws {
        let result = try await SubprocessRunner().run(Self.shell, arguments: ["-c", "wc -c"], input: Data())
        #expect(result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }

    @Test("a missing executable cannot be launched, and the error names it")
    func missingExecutable() async throws {
        let missing = URL(fileURLWithPath: "/nonexistent/bulk-update-test-tool")
        let error = await #expect(throws: SubprocessError.self) {
            try await SubprocessRunner().run(missing, arguments: [], input: nil)
        }
        guard case .cannotLaunch(let path, _) = error else {
            Issue.record("expected cannotLaunch, got \(String(describing: error))")
            return
        }
        #expect(path == missing.path)
        #expect(error?.description.hasPrefix("cannot run /nonexistent/bulk-update-test-tool: ") == true)
    }
}
