import Foundation
import Planner
import TestSupport
import Testing

@Suite("Plan file")
struct PlanFileTests {
    static let changes =
        "id,name,configData.apiToken,enabled,wave\n\(TestInputs.id1),renamed,s3cr3t-token,,1\n\(TestInputs.id2),,,true,\n"

    static func plan() -> Plan {
        PlanBuilder.build(
            changes: TestInputs.csv(changes), snapshot: TestInputs.snapshot, org: "org-1",
            baseURL: "https://api.m3ter.com"
        ).plan
    }

    @Test("writes and reads back the same plan, secrets withheld")
    func roundTrip() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("plan.json")
        let plan = Self.plan()
        try PlanFile.write(plan, to: url)
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let read = try PlanFile.read(from: url)
        #expect(read.fingerprint == plan.fingerprint)
        #expect(read.items.map(\.id) == plan.items.map(\.id))
        #expect(read.items.map(\.diff) == plan.items.map(\.diff))
        #expect(read.items.map(\.before) == plan.items.map(\.before))
        #expect(read.items.map(\.change.fields) == plan.items.map(\.change.fields))
        #expect(read.input == plan.input)
        #expect(read.org == "org-1")
        #expect(read.items.first { $0.id == TestInputs.id1 }?.change.secretsWithheld == true)
        #expect(read.items.first { $0.id == TestInputs.id2 }?.change.secretsWithheld == false)
        #expect(!(try String(contentsOf: url, encoding: .utf8)).contains("s3cr3t-token"))
    }

    @Test(
        "input lines of every shape are read back equal: one, several, none, beyond 32 bits",
        arguments: [[7], [3, 9], [], [Int(UInt32.max) + 5], [Int(UInt32.max)]])
    func inputLines(lines: [Int]) throws {
        var plan = Self.plan()
        plan.items[0].inputLines = lines
        #expect(plan.items[0].inputLines == lines)
        var rebuilt = plan.items[0]
        rebuilt.inputLines = [1]
        rebuilt.inputLines = lines
        #expect(rebuilt == plan.items[0])
        #expect(rebuilt.hashValue == plan.items[0].hashValue)
        plan.fingerprint = PlanEncoding.fingerprint(of: plan.items)
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("plan.json")
        try PlanFile.write(plan, to: url)
        let read = try PlanFile.read(from: url)
        #expect(read.items[0].inputLines == lines)
        #expect(read.fingerprint == plan.fingerprint)
    }

    @Test("the fingerprint matches what JSONDecoder reads back, and an edit is refused")
    func tampered() throws {
        let data = PlanFile.encode(Self.plan())
        let text = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\"renamed\"", with: "\"evil\"")
        #expect(throws: PlanFileError.fingerprintMismatch(path: "p.json")) {
            try PlanFile.decode(Data(text.utf8), path: "p.json")
        }
    }

    @Test("before/after that no longer say what the diff says are refused (the fingerprint covers the diff)")
    func editedBeforeAfter() throws {
        let text = String(decoding: PlanFile.encode(Self.plan()), as: UTF8.self)
        #expect(text.contains("\"after\":{\"enabled\":true}"))
        let edited = text.replacingOccurrences(of: "\"after\":{\"enabled\":true}", with: "\"after\":{}")
        #expect(throws: PlanFileError.self) { try PlanFile.decode(Data(edited.utf8), path: "p.json") }
        #expect(throws: Never.self) { try PlanFile.decode(Data(text.utf8), path: "p.json") }
    }

    @Test("a change that clears configData (`\\N`) is still a clear when read back from a plan file")
    func clearedConfigDataRoundTrip() throws {
        let plan = PlanBuilder.build(
            changes: TestInputs.csv("id,configData\n\(TestInputs.id1),\\N\n"), snapshot: TestInputs.snapshot
        ).plan
        let item = try #require(plan.items.first)
        #expect(item.change.configDataPatch == .null)
        let data = PlanFile.encode(plan)
        let read = try PlanFile.decode(data, path: "plan.json")
        #expect(read.items.first?.change.configDataPatch == .null)
        #expect(read.items == plan.items)
    }

    @Test("a plan read back equals the plan written, whole doubles and nested values included")
    func exactRoundTrip() throws {
        var config = TestInputs.config(TestInputs.id1)
        config.configData = ["ratio": .double(5), "nested": .object(["list": .array([.double(0.5), .null])])]
        let result = TestInputs.plan(
            "id,configData.ratio,configData.nested.list\n\(TestInputs.id1),6.0,[1]\n",
            snapshot: Snapshot(configs: [config]))
        let read = try PlanFile.decode(PlanFile.encode(result.plan))
        #expect(read == result.plan)
    }

    @Test(
        "a damaged plan names what is wrong and where",
        arguments: [
            ("\"versionRead\":", "\"versionRead\":\"x\",\"old\":", "unexpected value at items[0].versionRead"),
            ("\"status\":\"update\"", "\"status\":\"maybe\"", "unexpected value at items[1].status"),
            ("\"fingerprint\":", "\"fingerprint\":1,\"x\":", "unexpected value at fingerprint"),
            ("\"items\":[", "\"items\":null,\"x\":[", "unexpected value at items"),
        ])
    func damaged(find: String, replace: String, message: String) throws {
        let text = String(decoding: PlanFile.encode(Self.plan()), as: UTF8.self)
        let edited = text.replacingOccurrences(of: find, with: replace)
        #expect(edited != text)
        do {
            _ = try PlanFile.decode(Data(edited.utf8), path: "p.json")
            Issue.record("a damaged plan was read")
        } catch {
            guard case .malformed(let path, let reason) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(path == "p.json")
            #expect(reason.hasPrefix(message), "\(reason)")
        }
    }

    @Test("a plan of another format version is refused")
    func version() throws {
        let text = String(decoding: PlanFile.encode(Self.plan()), as: UTF8.self)
            .replacingOccurrences(
                of: "\"formatVersion\":\(Plan.currentFormatVersion)", with: "\"formatVersion\":7")
        #expect(
            throws: PlanFileError.unsupportedVersion(path: "p.json", found: 7, supported: Plan.currentFormatVersion)
        ) {
            try PlanFile.decode(Data(text.utf8), path: "p.json")
        }
        #expect(throws: PlanFileError.self) { try PlanFile.decode(Data("{\"x\":1}".utf8), path: "p.json") }
    }

    @Test("replaying the change list restores secret-bearing changes; another file is refused")
    func replay() throws {
        let plan = try PlanFile.decode(PlanFile.encode(Self.plan()))
        let changes = try PlanBuilder.replay(plan, changes: TestInputs.csv(Self.changes))
        #expect(changes[TestInputs.id1]?.configDataPatch == .object(["apiToken": .string("s3cr3t-token")]))
        #expect(changes[TestInputs.id1]?.secretsWithheld == false)
        #expect(changes.count == 2)
        let other = TestInputs.csv(Self.changes + "\(TestInputs.id3),x,,,\n")
        #expect(throws: ReplayError.self) { try PlanBuilder.replay(plan, changes: other) }
    }

    @Test("replay rebuilds match-selector changes from the plan's input lines, JSON records sharing a line included")
    func replayMatchAndSharedLines() throws {
        let text =
            "[{\"match.destination\": \"Webhook\", \"configData.apiToken\": \"tok-1\"},"
            + " {\"id\": \"\(TestInputs.id1)\", \"name\": \"renamed\"}]"
        let changes = ChangeListReader.read(data: Data(text.utf8), file: "changes.json", format: .json)
        let built = PlanBuilder.build(changes: changes, snapshot: TestInputs.snapshot)
        #expect(!built.hasErrors)
        let plan = try PlanFile.decode(PlanFile.encode(built.plan))
        let replayed = try PlanBuilder.replay(plan, changes: changes)
        #expect(replayed.count == plan.items.count)
        for item in built.plan.items { #expect(replayed[item.id] == item.change) }
    }
}
