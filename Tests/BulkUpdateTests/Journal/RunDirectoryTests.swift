import BulkUpdate
import Foundation
import Planner
import TestSupport
import Testing

@Suite("Run directory")
struct RunDirectoryTests {
    /// The report fixtures' plan with its real fingerprint (a run directory's plan is read back
    /// as a plan file, which checks it).
    static func plan() -> Plan {
        var plan = ReportFixtures.plan()
        plan.fingerprint = PlanEncoding.fingerprint(of: plan.items)
        return plan
    }

    static func mode(_ url: URL) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        return try #require(attributes[.posixPermissions] as? NSNumber).intValue
    }

    @Test("a new directory is 0700, plan.json 0600, and the plan reads back")
    func create() throws {
        let url = try TestSupport.temporaryDirectory("run").appendingPathComponent("nested/run-1")
        let plan = Self.plan()
        let run = try RunDirectory.create(at: url, plan: plan, now: ReportFixtures.start)
        #expect(!run.isExistingRun)
        #expect(try Self.mode(run.url) == 0o700)
        #expect(try Self.mode(run.planURL) == 0o600)
        let opened = try RunDirectory.open(url)
        #expect(opened.plan.fingerprint == plan.fingerprint)
        #expect(opened.plan.items.map(\.id) == plan.items.map(\.id))
        #expect(opened.plan.items[0].diff == plan.items[0].diff)
        let entries = try FileManager.default.contentsOfDirectory(atPath: url.path)
        #expect(Set(entries) == ["plan.json", RunLock.fileName])
    }

    @Test("an existing empty directory is used and made 0700")
    func emptyDirectory() throws {
        let url = try TestSupport.temporaryDirectory("run")
        chmod(url.path, 0o755)
        let run = try RunDirectory.create(at: url, plan: ReportFixtures.plan(), now: ReportFixtures.start)
        #expect(try Self.mode(run.url) == 0o700)
    }

    @Test("one process at a time: a held run is refused to create and to resume, naming the holder; released, it opens")
    func lock() throws {
        let url = try TestSupport.temporaryDirectory("run")
        let plan = Self.plan()
        let expected = RunDirectoryError.inUse(path: url.standardizedFileURL.path, pid: getpid())
        do {
            let held = try RunDirectory.create(at: url, plan: plan, now: ReportFixtures.start)
            #expect(held.lock != nil)
            #expect(throws: expected) { try RunDirectory.create(at: url, plan: plan, now: ReportFixtures.start) }
            #expect(throws: expected) { try RunDirectory.open(url, locking: true) }
            #expect(throws: expected) { try RunDirectory.checkNotInUse(url) }
            // Reading (report) needs no lock.
            #expect(try RunDirectory.open(url).plan.fingerprint == plan.fingerprint)
            #expect(expected.description.contains("in use by process \(getpid())"))
        }
        let resumed = try RunDirectory.open(url, locking: true)
        #expect(resumed.isExistingRun)
        #expect(try Self.mode(url.appendingPathComponent(RunLock.fileName)) == 0o600)
    }

    @Test("a non-empty directory without a run is refused, and no lock file is left in it")
    func notEmpty() throws {
        let url = try TestSupport.temporaryDirectory("run")
        try Data("x".utf8).write(to: url.appendingPathComponent("notes.txt"))
        #expect(throws: RunDirectoryError.notEmpty(path: url.standardizedFileURL.path)) {
            try RunDirectory.create(at: url, plan: ReportFixtures.plan(), now: ReportFixtures.start)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: url.path) == ["notes.txt"])
    }

    @Test("a directory of another plan is refused, naming both fingerprints")
    func anotherPlan() throws {
        let url = try TestSupport.temporaryDirectory("run")
        let plan = Self.plan()
        _ = try RunDirectory.create(at: url, plan: plan, now: ReportFixtures.start)
        var other = plan
        other.fingerprint = "fp-other"
        let expected = RunDirectoryError.belongsToAnotherPlan(
            path: url.standardizedFileURL.path, existing: plan.fingerprint, requested: "fp-other")
        #expect(throws: expected) { try RunDirectory.create(at: url, plan: other, now: ReportFixtures.start) }
        #expect(expected.description.contains(plan.fingerprint) && expected.description.contains("fp-other"))
    }

    @Test("a run whose plan.json was edited is refused")
    func editedPlan() throws {
        let url = try TestSupport.temporaryDirectory("run")
        let run = try RunDirectory.create(at: url, plan: Self.plan(), now: ReportFixtures.start)
        let text = try String(contentsOf: run.planURL, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "\"wave\":1", with: "\"wave\":0").utf8).write(to: run.planURL)
        #expect(throws: RunDirectoryError.self) { try RunDirectory.open(url) }
    }

    @Test("a directory of the same plan is returned as an existing run to resume")
    func samePlan() throws {
        let url = try TestSupport.temporaryDirectory("run")
        let plan = Self.plan()
        _ = try RunDirectory.create(at: url, plan: plan, now: ReportFixtures.start)
        let again = try RunDirectory.create(at: url, plan: plan, now: ReportFixtures.time(60))
        #expect(again.isExistingRun)
        #expect(again.plan.fingerprint == plan.fingerprint)
    }

    @Test("a path that is a file is refused")
    func notADirectory() throws {
        let url = try TestSupport.temporaryDirectory("run").appendingPathComponent("file")
        try Data("x".utf8).write(to: url)
        #expect(throws: RunDirectoryError.notADirectory(path: url.standardizedFileURL.path)) {
            try RunDirectory.create(at: url, plan: ReportFixtures.plan(), now: ReportFixtures.start)
        }
    }

    @Test("open refuses a directory without a plan")
    func openWithoutPlan() throws {
        let url = try TestSupport.temporaryDirectory("run")
        #expect(throws: RunDirectoryError.notARunDirectory(path: url.standardizedFileURL.path)) {
            try RunDirectory.open(url)
        }
    }

    @Test("reports, undo and failed lists are written 0600")
    func writeReports() async throws {
        let url = try TestSupport.temporaryDirectory("run")
        let plan = Self.plan()
        let run = try RunDirectory.create(at: url, plan: plan, now: ReportFixtures.start)
        try run.writeReports(ReportFixtures.report())
        try run.writeUndoList(UndoList.render(plan: plan, outcomes: ReportFixtures.outcomes()))
        try run.writeFailedList(FailedList.render(plan: plan, outcomes: ReportFixtures.outcomes()))
        let names = try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
        #expect(
            names == [
                "failed.csv", "lock", "plan.json", "report.csv", "report.html", "report.json", "report.md",
                "undo.csv",
            ])
        for name in names { #expect(try Self.mode(url.appendingPathComponent(name)) == 0o600, "\(name)") }
        #expect(run.reportURL(.html).lastPathComponent == "report.html")
    }

    @Test("the report is rebuilt from the journal when report.json is missing or older")
    func loadReport() async throws {
        let url = try TestSupport.temporaryDirectory("run")
        let plan = Self.plan()
        let run = try RunDirectory.create(at: url, plan: plan, now: ReportFixtures.start)
        let writer = try JournalWriter.open(
            url: run.journalURL,
            header: JournalHeader(
                planFingerprint: plan.fingerprint, toolVersion: "0.1.0", startedAt: ReportFixtures.start))
        try await writer.append(contentsOf: ReportFixtures.outcomes())
        let rebuilt = try run.loadReport(toolVersion: "0.1.0")
        #expect(rebuilt.summary.counts.conflict == 1 && rebuilt.summary.requests == nil)
        #expect(rebuilt.summary.startedAt == ReportFixtures.start)
        let report = Report.build(
            plan: plan, outcomes: ReportFixtures.outcomes(), stats: ReportFixtures.stats(), meta: ReportFixtures.meta())
        try run.writeReports(report)
        #expect(try run.loadReport(toolVersion: "0.1.0") == report)
        try await writer.append(
            ItemOutcome(
                id: ReportFixtures.ids[3], status: .enabled, versionBefore: 3, versionAfter: 4,
                time: ReportFixtures.time(9)))
        try await writer.close()
        let newer = try run.loadReport(toolVersion: "0.1.0")
        #expect(newer.summary.counts.enabled == 1 && newer.summary.counts.notAttempted == 0)
    }

    @Test("the default name is the UTC start time")
    func timestampName() {
        #expect(RunDirectory.timestampName(ReportFixtures.start) == "20261129T010203Z")
    }
}
