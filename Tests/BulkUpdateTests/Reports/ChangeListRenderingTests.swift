import BulkUpdate
import Foundation
import Planner
import TestSupport
import Testing

@Suite("Undo and failed lists")
struct ChangeListRenderingTests {
    @Test("undo restores each applied item's before values, guarded by the version after")
    func undo() {
        let undo = UndoList.render(plan: ReportFixtures.plan(), outcomes: ReportFixtures.outcomes())
        #expect(
            undo.csv
                == "id,expectedVersion,name,configData.retries,configData.webhook.url\r\n"
                + "\(ReportFixtures.ids[0]),4,\"Billing, \"\"EU\"\"\",\\N,\"\"\"https://old.example/hook\"\"\"\r\n")
        #expect(undo.rows == 1)
        #expect(undo.withheld.isEmpty)
    }

    @Test("undo leaves out secrets and enabling, and says so")
    func undoWithheld() {
        let outcomes = [
            ItemOutcome(
                id: ReportFixtures.ids[1], status: .applied, versionBefore: 3, versionAfter: 4,
                time: ReportFixtures.start),
            ItemOutcome(
                id: ReportFixtures.ids[3], status: .applied, versionBefore: 3, versionAfter: 4,
                time: ReportFixtures.start),
        ]
        let undo = UndoList.render(plan: ReportFixtures.plan(), outcomes: outcomes)
        #expect(
            undo.csv
                == "id,expectedVersion,integrationCredentialsId\r\n"
                + "\(ReportFixtures.ids[1]),4,aaaaaaaa-0000-4000-8000-000000000001\r\n")
        #expect(undo.withheld.map(\.path) == ["configData.apiToken", "enabled"])
        #expect(undo.withheld.map(\.id) == [ReportFixtures.ids[1], ReportFixtures.ids[3]])
    }

    @Test("undo of a whole configData change is a merge patch back to the old object")
    func undoWholeConfigData() {
        var plan = ReportFixtures.plan()
        plan.items[2].diff = [
            FieldChange(
                path: ["configData"], before: .object(["a": .integer(1), "b": .object(["c": .string("x")])]),
                after: .object(["b": .object(["c": .string("y"), "d": .bool(true)]), "e": .null]), secret: false)
        ]
        let outcomes = [
            ItemOutcome(
                id: ReportFixtures.ids[2], status: .applied, versionBefore: 3, versionAfter: 9,
                time: ReportFixtures.start)
        ]
        let undo = UndoList.render(plan: plan, outcomes: outcomes)
        #expect(
            undo.csv
                == "id,expectedVersion,configData\r\n"
                + "\(ReportFixtures.ids[2]),9,\"{\"\"a\"\":1,\"\"b\"\":{\"\"c\"\":\"\"x\"\",\"\"d\"\":null},\"\"e\"\":null}\"\r\n"
        )
    }

    @Test("undo of a configData key with a dot in its name goes through a configData patch")
    func undoDottedKey() {
        var plan = ReportFixtures.plan()
        plan.items[2].diff = [
            FieldChange(path: ["configData", "a.b"], before: .string("old"), after: .string("new"), secret: false),
            FieldChange(path: ["configData", "plain"], before: .bool(true), after: nil, secret: false),
        ]
        let outcomes = [
            ItemOutcome(
                id: ReportFixtures.ids[2], status: .applied, versionBefore: 3, versionAfter: 4,
                time: ReportFixtures.start)
        ]
        #expect(
            UndoList.render(plan: plan, outcomes: outcomes).csv
                == "id,expectedVersion,configData,configData.plain\r\n"
                + "\(ReportFixtures.ids[2]),4,\"{\"\"a.b\"\":\"\"old\"\"}\",true\r\n")
    }

    @Test("failed list re-expresses failed and conflicted changes without secret values")
    func failed() {
        let failed = FailedList.render(plan: ReportFixtures.plan(), outcomes: ReportFixtures.outcomes())
        #expect(
            failed.csv
                == "id,integrationCredentialsId,configData,wave\r\n"
                + "\(ReportFixtures.ids[1]),bbbbbbbb-0000-4000-8000-000000000002,\"{\"\"region\"\":\"\"eu-1\"\"}\",1\r\n"
        )
        #expect(failed.ids == [ReportFixtures.ids[1]])
        #expect(
            failed.withheld == [
                WithheldField(
                    id: ReportFixtures.ids[1], path: "configData.apiToken",
                    reason: "secret values are never stored; set it again from the original change list")
            ])
    }

    @Test("failed list keeps clears, enabling and expectedVersion")
    func failedClears() {
        var plan = ReportFixtures.plan()
        plan.items[0].change = ConfigChange(
            fields: [.name: .clear, .destinationId: .set("cccccccc-0000-4000-8000-000000000003")],
            configDataPatch: .null, enable: true)
        plan.items[0].expectedVersion = 3
        let outcomes = [ItemOutcome(id: ReportFixtures.ids[0], status: .failed, time: ReportFixtures.start)]
        let failed = FailedList.render(plan: plan, outcomes: outcomes)
        #expect(
            failed.csv
                == "id,expectedVersion,name,destinationId,configData,enabled\r\n"
                + "\(ReportFixtures.ids[0]),3,\\N,cccccccc-0000-4000-8000-000000000003,\\N,true\r\n")
    }

    @Test("no secret value reaches any file of a run")
    func secretsNeverWritten() async throws {
        let directory = try TestSupport.temporaryDirectory("secrets")
        let plan = ReportFixtures.plan()
        let run = try RunDirectory.create(at: directory, plan: plan, now: ReportFixtures.start)
        let writer = try JournalWriter.open(
            url: run.journalURL,
            header: JournalHeader(
                planFingerprint: plan.fingerprint, toolVersion: "0.1.0", startedAt: ReportFixtures.start))
        for outcome in ReportFixtures.outcomes() { try await writer.append(outcome) }
        try await writer.close()
        let everyFailure = ReportFixtures.outcomes().map { outcome in
            var failedOutcome = outcome
            failedOutcome.status = .failed
            return failedOutcome
        }
        let changes = Dictionary(uniqueKeysWithValues: plan.items.map { ($0.id, $0.change) })
        try run.writeReports(ReportFixtures.report())
        try run.writeUndoList(
            UndoList.render(
                plan: plan,
                outcomes: everyFailure.map { outcome in
                    var applied = outcome
                    applied.status = .applied
                    applied.versionAfter = 4
                    return applied
                }))
        try run.writeFailedList(FailedList.render(plan: plan, outcomes: everyFailure, changes: changes))
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(names.count == 9)
        for name in names {
            let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            #expect(!text.contains(ReportFixtures.secretValue), "\(name) holds the secret")
            #expect(!text.contains("old-secret"), "\(name) holds the old secret")
        }
    }
}
