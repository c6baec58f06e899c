import BulkUpdate
import Foundation
import TestSupport
import Testing

@Suite("Journal: rate changes")
struct RateChangeJournalTests {
    static func change(_ from: Double, _ to: Double, at seconds: Double, request: String? = "r-1") -> RateChange {
        RateChange(time: ReportFixtures.time(seconds), previousRate: from, rate: to, request: request)
    }

    /// A journal of these lines (each given without its newline).
    static func journal(_ lines: [String]) throws -> URL {
        let url = try JournalTests.journalURL()
        try Data(lines.map { $0 + "\n" }.joined().utf8).write(to: url)
        return url
    }

    static let headerLine =
        #"{"type":"header","formatVersion":1,"planFingerprint":"fp","toolVersion":"0.1.0","startedAt":"2026-11-29T01:02:03.000Z"}"#
    static func header(kind: String = "header", rate: String?) -> String {
        let options = rate.map { #","options":{"rate":"\#($0)"}"# } ?? ""
        return #"{"type":"\#(kind)","formatVersion":1,"planFingerprint":"fp","toolVersion":"0.1.0","#
            + #""startedAt":"2026-11-29T01:02:03.000Z"\#(options)}"#
    }
    static let outcomeLine =
        #"{"type":"outcome","id":"id-0","status":"applied","versionBefore":1,"versionAfter":2,"attempts":1,"httpStatus":200,"message":null,"reconciled":false,"time":"2026-11-29T01:02:04.000Z"}"#

    @Test("rate changes are written among the outcomes and read back in order")
    func roundTrip() async throws {
        let url = try JournalTests.journalURL()
        let writer = try JournalWriter.open(url: url, header: JournalTests.header())
        try await writer.append(JournalTests.outcome(0))
        try await writer.append(Self.change(40, 0, at: 1))
        try await writer.append(JournalTests.outcome(1))
        try await writer.append(Self.change(0, 2.5, at: 5, request: nil))
        try await writer.close()
        let contents = try JournalReader.read(url)
        #expect(contents.rateChanges == [Self.change(40, 0, at: 1), Self.change(0, 2.5, at: 5, request: nil)])
        #expect(contents.outcomes == [JournalTests.outcome(0), JournalTests.outcome(1)])
        #expect(contents.lastRate == 2.5 && contents.lastRunningRate == 2.5)
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        #expect(
            lines[2] == #"{"type":"rate","previousRate":40,"rate":0,"request":"r-1","time":"2026-11-29T01:02:04.000Z"}"#
        )
        #expect(lines[4] == #"{"type":"rate","previousRate":0,"rate":2.5,"time":"2026-11-29T01:02:08.000Z"}"#)
    }

    @Test("a journal written before rate changes existed reads as before, with no rate changes")
    func oldJournal() throws {
        let url = try Self.journal([Self.header(rate: "40.0"), Self.outcomeLine])
        let contents = try JournalReader.read(url)
        #expect(contents.outcomes.count == 1)
        #expect(contents.rateChanges.isEmpty)
        #expect(contents.lastRate == 40 && contents.lastRunningRate == 40)
    }

    /// Journals as (lines, the rate they end at, the last rate that let requests go).
    static let lastRates: [([String], Double?, Double?)] = [
        ([header(rate: nil)], nil, nil),
        ([header(rate: nil), rate(40, 0)], 0, 40),
        ([header(rate: "40.0"), rate(40, 0), rate(0, 30)], 30, 30),
        ([header(rate: "40.0"), rate(40, 20), header(kind: "resume", rate: "25.0")], 25, 25),
        ([header(rate: "40.0"), rate(40, 0), header(kind: "resume", rate: "40.0"), rate(40, 0), rate(0, 0)], 0, 40),
        ([header(rate: "20.0"), header(kind: "resume", rate: nil), rate(20, 10)], 10, 10),
    ]

    static func rate(_ from: Double, _ to: Double) -> String {
        #"{"type":"rate","previousRate":\#(RateChange.number(from)),"rate":\#(RateChange.number(to)),"#
            + #""time":"2026-11-29T01:02:05.000Z"}"#
    }

    @Test(
        "the rate a journal ends at: the last change or later header; a pause is not carried over as a running rate",
        arguments: lastRates)
    func lastRate(lines: [String], last: Double?, running: Double?) throws {
        let contents = try JournalReader.read(try Self.journal(lines))
        #expect(contents.lastRate == last)
        #expect(contents.lastRunningRate == running)
    }

    @Test("a rate record in another key order or spacing decodes like the writer's own")
    func lenientDecoding() throws {
        let line = #"{ "time": "2026-11-29T01:02:04Z", "rate": 12, "type": "rate", "previousRate": 40.0, "x": [1] }"#
        let contents = try JournalReader.read(try Self.journal([Self.headerLine, line]))
        #expect(contents.rateChanges == [Self.change(40, 12, at: 1, request: nil)])
    }

    @Test("a rate record before the header, or without a rate, is refused like any bad record")
    func invalidRecords() throws {
        let before = try Self.journal([Self.rate(40, 0), Self.headerLine])
        #expect(throws: JournalError.missingHeader(path: before.path)) { try JournalReader.read(before) }
        let missing = try Self.journal([
            Self.headerLine, #"{"type":"rate","previousRate":40,"time":"2026-11-29T01:02:04Z"}"#, Self.outcomeLine,
        ])
        #expect(
            throws: JournalError.corruptLine(path: missing.path, line: 2, reason: "invalid rate record: missing 'rate'")
        ) {
            try JournalReader.read(missing)
        }
    }

    @Test("reading the rate changes appended since an offset: complete lines only, other records skipped")
    func tail() throws {
        let url = try Self.journal([Self.headerLine, Self.outcomeLine])
        let start = try #require((try FileManager.default.attributesOfItem(atPath: url.path)[.size]) as? NSNumber)
            .intValue
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        let appended = Self.rate(40, 0) + "\n" + Self.outcomeLine + "\n"
        try handle.write(contentsOf: Data((appended + #"{"type":"rate","previ"#).utf8))
        try handle.close()
        let read = try JournalReader.rateChanges(url, after: start)
        #expect(read.changes == [Self.change(40, 0, at: 2, request: nil)])
        #expect(read.next == start + appended.utf8.count)
        let again = try JournalReader.rateChanges(url, after: read.next)
        #expect(again.changes.isEmpty && again.next == read.next)
        let missing = url.deletingLastPathComponent().appendingPathComponent("none.jsonl")
        #expect(try JournalReader.rateChanges(missing, after: 0).changes.isEmpty)
    }

    @Test("a tail offset past the end (a writer cut a torn line off) reads the file again from the start")
    func tailPastEnd() throws {
        let url = try Self.journal([Self.headerLine, Self.rate(40, 10)])
        let read = try JournalReader.rateChanges(url, after: 1_000_000)
        #expect(read.changes.map(\.rate) == [10])
    }
}
