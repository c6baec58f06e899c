import Foundation
import Planner
import TestSupport
import Testing

@testable import BulkUpdate

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@Suite("RunControl")
struct RunControlTests {
    /// A run directory as `apply` leaves it, and the lock this process holds on it (as a running apply would).
    static func runningDirectory() throws -> RunDirectory {
        let url = try TestSupport.temporaryDirectory("control").appendingPathComponent("run")
        return try RunDirectory.create(at: url, plan: RunDirectoryTests.plan(), now: ReportFixtures.start)
    }

    @Test("the probe sees a held lock and its pid, and never takes the lock over")
    func probe() throws {
        var run: RunDirectory? = try Self.runningDirectory()
        let url = try #require(run?.url)
        #expect(try RunLock.holder(of: url) == .process(pid: getpid()))
        // The holder keeps it: taking it is still refused.
        #expect(throws: RunDirectoryError.inUse(path: url.path, pid: getpid())) {
            try RunLock.acquire(in: url)
        }
        run = nil
        #expect(try RunLock.holder(of: url) == .none)
        // And the probe of a free directory leaves it free.
        _ = try RunLock.acquire(in: url)
    }

    @Test("a directory without a lock file, or one nobody holds, has no process to rethrottle (nothing written)")
    func notRunning() async throws {
        let url = try TestSupport.temporaryDirectory("control")
        try Data("{}".utf8).write(to: url.appendingPathComponent(RunDirectory.FileName.plan))
        #expect(try RunLock.holder(of: url) == .none)
        await #expect(throws: RunControlError.notRunning(path: url.path)) {
            try await RunControl.requestRate(0, in: url)
        }
        _ = try RunLock.acquire(in: url)
        await #expect(throws: RunControlError.notRunning(path: url.path)) {
            try await RunControl.requestRate(0, in: url)
        }
        #expect(!FileManager.default.fileExists(atPath: RunControl.url(in: url).path))
    }

    @Test("a directory without plan.json is no run directory")
    func notARunDirectory() async throws {
        let url = try TestSupport.temporaryDirectory("control")
        await #expect(throws: RunControlError.notARunDirectory(path: url.path)) {
            try await RunControl.requestRate(5, in: url)
        }
    }

    @Test("the request names the holder, is written 0600, and is confirmed by the journal record with its id")
    func requestAndConfirmation() async throws {
        let run = try Self.runningDirectory()
        let writer = try JournalWriter.open(url: run.journalURL, header: JournalTests.header())
        try await writer.append(JournalTests.outcome(0))
        let pending = try await RunControl.requestRate(0, in: run.url, id: "req-1", now: ReportFixtures.time(1))
        #expect(
            pending.request
                == RateRequest(request: "req-1", pid: getpid(), rate: 0, requestedAt: ReportFixtures.time(1)))
        #expect(RunControl.read(in: run.url) == pending.request)
        let attributes = try FileManager.default.attributesOfItem(atPath: RunControl.url(in: run.url).path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        // What the running process does: journal the change with the request's id.
        let change = RateChange(time: ReportFixtures.time(2), previousRate: 40, rate: 0, request: "req-1")
        try await writer.append(RateChange(time: ReportFixtures.time(2), previousRate: 40, rate: 9, request: "other"))
        try await writer.append(change)
        let confirmed = try await RunControl.confirmation(of: pending, clock: ManualClock(autoAdvance: true))
        #expect(confirmed == change)
        try await writer.close()
    }

    @Test("unconfirmed while the process runs: an error after the timeout")
    func notConfirmed() async throws {
        let run = try Self.runningDirectory()
        let pending = try await RunControl.requestRate(20, in: run.url, id: "req-2")
        let clock = ManualClock(autoAdvance: true)
        await #expect(throws: RunControlError.notConfirmed(path: run.url.path, pid: getpid(), seconds: 3)) {
            try await RunControl.confirmation(of: pending, timeout: .seconds(3), clock: clock)
        }
        #expect(clock.elapsed >= .seconds(3))
    }

    @Test("the process ending before it takes the request is reported")
    func ended() async throws {
        var run: RunDirectory? = try Self.runningDirectory()
        let url = try #require(run?.url)
        let pending = try await RunControl.requestRate(20, in: url, id: "req-3")
        run = nil
        await #expect(throws: RunControlError.ended(path: url.path, pid: getpid())) {
            try await RunControl.confirmation(of: pending, clock: ManualClock(autoAdvance: true))
        }
    }

    @Test("a later request replacing this one is reported")
    func superseded() async throws {
        let run = try Self.runningDirectory()
        let first = try await RunControl.requestRate(20, in: run.url, id: "req-4")
        _ = try await RunControl.requestRate(5, in: run.url, id: "req-5")
        await #expect(throws: RunControlError.superseded(path: run.url.path, rate: 5)) {
            try await RunControl.confirmation(of: first, clock: ManualClock(autoAdvance: true))
        }
    }

    @Test("a session takes a waiting request for its process first, journals it after the header, and reports it")
    func sessionFollowsRequests() async throws {
        let run = try Self.runningDirectory()
        _ = try await RunControl.requestRate(25, in: run.url, id: "req-session")
        let limiter = RateLimiter(rate: 40)
        let session = RunSession(
            api: FakeConfigAPI([]),
            configuration: RunSession.Configuration(
                runDirectory: run, options: ExecutionOptions(), resumed: false, toolVersion: "0.1.0"),
            now: { ReportFixtures.time(1) }, rateControl: RateControl(limiter: limiter, clock: ManualClock()))
        let (events, continuation) = AsyncStream.makeStream(of: ExecutionEvent.self)
        let result = try await session.run(live: [:], stop: StopSignal(), events: continuation)
        let changes = await events.reduce(into: [RateChange]()) { changes, event in
            if case .rateChanged(let change) = event { changes.append(change) }
        }
        #expect(changes.map(\.rate) == [25])
        #expect(changes.first?.previousRate == 40)
        #expect(changes.first?.request == "req-session")
        #expect(await limiter.requestedRate == 25)
        let journal = try JournalReader.read(run.journalURL)
        #expect(journal.rateChanges == changes)
        let lines = try String(contentsOf: run.journalURL, encoding: .utf8).split(separator: "\n")
        #expect(lines.count > 2 && lines[1].hasPrefix(#"{"type":"rate","previousRate":40,"rate":25,"#))
        #expect(result.report.rateChanges == changes)
    }

    @Test("a session ignores a request left for another process")
    func sessionIgnoresOtherProcess() async throws {
        let run = try Self.runningDirectory()
        _ = try await RunControl.requestRate(0, in: run.url, id: "req-old")
        let limiter = RateLimiter(rate: 40)
        let session = RunSession(
            api: FakeConfigAPI([]),
            configuration: RunSession.Configuration(
                runDirectory: run, options: ExecutionOptions(), resumed: false, toolVersion: "0.1.0"),
            rateControl: RateControl(limiter: limiter, processID: getpid() + 1, clock: ManualClock()))
        let result = try await session.run(live: [:], stop: StopSignal(), events: nil)
        #expect(await limiter.requestedRate == 40)
        #expect(try JournalReader.read(run.journalURL).rateChanges.isEmpty)
        #expect(result.report.rateChanges == nil)
    }
}
