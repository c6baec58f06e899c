import BulkUpdate
import Foundation
import TestSupport
import Testing

@Suite("Journal")
struct JournalTests {
    static let fingerprint = "fp-journal-test"

    static func header(_ fingerprint: String = JournalTests.fingerprint) -> JournalHeader {
        JournalHeader(
            planFingerprint: fingerprint, toolVersion: "0.1.0", startedAt: ReportFixtures.start,
            options: ["rate": "40", "concurrency": "16"])
    }

    static func outcome(_ index: Int, status: OutcomeStatus = .applied, message: String? = nil) -> ItemOutcome {
        ItemOutcome(
            id: "id-\(index)", status: status, versionBefore: Int64(index), versionAfter: Int64(index + 1),
            attempts: 1 + index % 3, httpStatus: index.isMultiple(of: 2) ? 200 : nil, message: message,
            reconciled: index.isMultiple(of: 5), time: ReportFixtures.time(Double(index) / 1000))
    }

    static func journalURL() throws -> URL {
        try TestSupport.temporaryDirectory("journal").appendingPathComponent("journal.jsonl")
    }

    static func write(_ outcomes: [ItemOutcome], to url: URL, header: JournalHeader = header()) async throws {
        let writer = try JournalWriter.open(url: url, header: header)
        for outcome in outcomes { try await writer.append(outcome) }
        try await writer.close()
    }

    @Test("records written are read back exactly, in order")
    func roundTrip() async throws {
        let url = try Self.journalURL()
        let outcomes = [
            Self.outcome(0),
            Self.outcome(1, status: .failed, message: "HTTP 503: \"busy\"\nretry later \\ é 😀 \u{1}"),
            Self.outcome(2, status: .conflict, message: "moved from version 3 to 5"),
            ItemOutcome(id: "id-3", status: .skipped, time: ReportFixtures.time(9.999)),
        ]
        try await Self.write(outcomes, to: url)
        let contents = try JournalReader.read(url)
        #expect(contents.headers == [Self.header()])
        #expect(contents.outcomes == outcomes)
        #expect(contents.lastOutcomeById.count == 4)
        #expect(contents.tornTail == false)
        #expect(contents.planFingerprint == Self.fingerprint)
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.hasPrefix(#"{"type":"header","formatVersion":1,"planFingerprint":"fp-journal-test""#))
        #expect(text.contains(#"{"type":"outcome","id":"id-0","status":"applied","versionBefore":0,"#))
        #expect(text.hasSuffix("}\n"))
    }

    @Test("a batch of records is written in order with one commit")
    func batch() async throws {
        let url = try Self.journalURL()
        let writer = try JournalWriter.open(url: url, header: Self.header())
        let outcomes = (0..<50).map { Self.outcome($0) }
        try await writer.append(contentsOf: outcomes)
        try await writer.append(contentsOf: [])
        let statistics = await writer.statistics
        try await writer.close()
        #expect(statistics.records == 50 && statistics.flushes == 1)
        #expect(try JournalReader.read(url).outcomes == outcomes)
    }

    @Test("the last record of an id wins")
    func lastOutcomeWins() async throws {
        let url = try Self.journalURL()
        try await Self.write([Self.outcome(7, status: .failed), Self.outcome(7, status: .applied)], to: url)
        let contents = try JournalReader.read(url)
        #expect(contents.outcomes.count == 2)
        #expect(contents.lastOutcomeById["id-7"]?.status == .applied)
        #expect(contents.isFinished("id-7"))
        #expect(!contents.isFinished("id-8"))
    }

    @Test("many concurrent appenders: every record present once, fdatasyncs shared")
    func groupCommit() async throws {
        let url = try Self.journalURL()
        let writer = try JournalWriter.open(url: url, header: Self.header())
        try await withThrowingTaskGroup(of: Void.self) { group in
            for producer in 0..<32 {
                group.addTask {
                    for index in 0..<40 { try await writer.append(Self.outcome(producer * 1000 + index)) }
                }
            }
            try await group.waitForAll()
        }
        let statistics = await writer.statistics
        try await writer.close()
        let contents = try JournalReader.read(url)
        #expect(contents.outcomes.count == 1280)
        #expect(Set(contents.outcomes.map(\.id)).count == 1280)
        #expect(statistics.records == 1280)
        #expect(statistics.flushes <= statistics.records)
        for producer in 0..<32 {
            let mine = contents.outcomes.compactMap { outcome -> Int? in
                guard let number = Int(outcome.id.dropFirst(3)), number / 1000 == producer else { return nil }
                return number % 1000
            }
            #expect(mine == Array(0..<40), "producer \(producer)'s records are out of order")
        }
        await #expect(throws: JournalError.closed(path: url.path)) { try await writer.append(Self.outcome(1)) }
    }

    @Test(
        "a torn last line is ignored", arguments: [#"{"type":"outcome","id":"id-9","sta"#, "{\"type\":\"outc\n", "\n"])
    func tornTail(tail: String) async throws {
        let url = try Self.journalURL()
        try await Self.write([Self.outcome(0), Self.outcome(1)], to: url)
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(tail.utf8))
        try handle.close()
        let contents = try JournalReader.read(url)
        #expect(contents.tornTail)
        #expect(contents.outcomes == [Self.outcome(0), Self.outcome(1)])
    }

    @Test("a corrupt line in the middle is an error naming the line")
    func corruptMiddle() async throws {
        let url = try Self.journalURL()
        try await Self.write([Self.outcome(0), Self.outcome(1), Self.outcome(2)], to: url)
        var lines = try String(contentsOf: url, encoding: .utf8).split(
            separator: "\n", omittingEmptySubsequences: false)
        lines[2] = #"{"type":"outcome","id":"id-1","status":"exploded"}"#
        try lines.joined(separator: "\n").write(to: url, atomically: false, encoding: .utf8)
        #expect(
            throws: JournalError.corruptLine(
                path: url.path, line: 3, reason: "invalid outcome record: bad 'status'")
        ) { try JournalReader.read(url) }
    }

    @Test("a journal without a header is refused")
    func missingHeader() async throws {
        let url = try Self.journalURL()
        try await Self.write([Self.outcome(0), Self.outcome(1)], to: url)
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        try (lines.dropFirst().joined(separator: "\n") + "\n").write(to: url, atomically: false, encoding: .utf8)
        #expect(throws: JournalError.missingHeader(path: url.path)) { try JournalReader.read(url) }
    }

    @Test("reopening appends a resume header and cuts a torn tail first")
    func resume() async throws {
        let url = try Self.journalURL()
        try await Self.write([Self.outcome(0)], to: url)
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"type":"outcome","id":"id-1""#.utf8))
        try handle.close()
        var resumed = Self.header()
        resumed.startedAt = ReportFixtures.time(60)
        let writer = try JournalWriter.open(url: url, header: resumed)
        #expect(writer.header.kind == .resume)
        try await writer.append(Self.outcome(1))
        try await writer.close()
        let contents = try JournalReader.read(url)
        #expect(contents.headers.map(\.kind) == [.header, .resume])
        #expect(contents.headers.last?.startedAt == ReportFixtures.time(60))
        #expect(contents.outcomes == [Self.outcome(0), Self.outcome(1)])
        #expect(contents.tornTail == false)
    }

    @Test("reopening a journal whose only line was torn starts it again with a header")
    func tornHeader() async throws {
        let url = try Self.journalURL()
        try Data(#"{"type":"header","formatVer"#.utf8).write(to: url)
        let writer = try JournalWriter.open(url: url, header: Self.header())
        #expect(writer.header.kind == .header)
        try await writer.append(Self.outcome(0))
        try await writer.close()
        let contents = try JournalReader.read(url)
        #expect(contents.headers == [Self.header()])
        #expect(contents.outcomes == [Self.outcome(0)])
    }

    @Test("a journal of an unknown format version is refused")
    func unknownVersion() async throws {
        let url = try Self.journalURL()
        var header = Self.header()
        header.formatVersion = 2
        try await Self.write([Self.outcome(0)], to: url, header: header)
        #expect(throws: JournalError.unsupportedFormatVersion(path: url.path, line: 1, version: 2)) {
            try JournalReader.read(url)
        }
    }

    @Test("reopening a journal of another plan is refused")
    func otherPlan() async throws {
        let url = try Self.journalURL()
        try await Self.write([Self.outcome(0)], to: url)
        #expect(
            throws: JournalError.planMismatch(path: url.path, line: 1, expected: "fp-other", found: Self.fingerprint)
        ) {
            _ = try JournalWriter.open(url: url, header: Self.header("fp-other"))
        }
    }

    @Test("records in another key order or spacing decode like the writer's own")
    func lenientDecoding() async throws {
        let url = try Self.journalURL()
        try await Self.write([], to: url)
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        let line = """
            { "time": "2026-11-29T01:02:03Z", "reconciled": false, "attempts": 2, "status": "failed", \
            "id": "id-\\u0041", "type": "outcome", "extra": {"ignored": [1, 2.5]} }

            """
        try handle.write(contentsOf: Data(line.utf8))
        try handle.close()
        let contents = try JournalReader.read(url)
        #expect(
            contents.outcomes == [ItemOutcome(id: "id-A", status: .failed, attempts: 2, time: ReportFixtures.start)])
    }

    #if os(Linux)
        @Test("a write failure is reported with the system's reason, and the file is not claimed durable")
        func writeFailure() {
            #expect(
                throws: JournalError.writeFailed(path: "/dev/full", reason: "No space left on device")
            ) { try JournalWriter.open(url: URL(fileURLWithPath: "/dev/full"), header: Self.header()) }
        }
    #endif

    @Test("the journal file is created with mode 0600")
    func fileMode() async throws {
        let url = try Self.journalURL()
        try await Self.write([Self.outcome(0)], to: url)
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    @Test(
        "timestamps round-trip at millisecond precision",
        arguments: [0.0, 0.001, 59.999, 86_399.5, 1_000_000.123, -1.5])
    func timeRoundTrip(offset: Double) throws {
        let date = Date(
            timeIntervalSince1970: (ReportFixtures.start.timeIntervalSince1970 * 1000 + offset * 1000) / 1000)
        let text = JournalTime.format(date)
        let parsed = try #require(JournalTime.parse(text))
        #expect(abs(parsed.timeIntervalSince(date)) < 0.0005)
        #expect(JournalTime.format(parsed) == text)
    }

    @Test("timestamps match Foundation's ISO 8601")
    func timeMatchesFoundation() throws {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for seconds in [0.0, 951_782_400.25, 1_795_914_123.456, 4_107_542_399.999] {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(JournalTime.format(date) == formatter.string(from: date))
            let parsed = try #require(JournalTime.parse(formatter.string(from: date)))
            let reference = try #require(formatter.date(from: formatter.string(from: date)))
            #expect(abs(parsed.timeIntervalSince(reference)) < 0.0005)
        }
    }
}
