import Foundation
import Planner
import Testing

/// Each stage of planning on its own, values in and values out (``PlanBuilder`` only composes them).
@Suite("Planner stages")
struct PlanStagesTests {
    let id1 = TestInputs.id1
    let id2 = TestInputs.id2

    @Test("read: the bytes become records (columns, lines, cells as written); syntax problems are diagnostics")
    func read() {
        let records = ChangeListReader.records(
            bytes: Array("id,name,nmae\n\(id1),x,\n\"open\n".utf8), file: "c.csv")
        #expect(records.format == .csv)
        #expect(records.count == 2)
        #expect(
            records.records == [
                ChangeRecord(
                    line: 2,
                    cells: [
                        .init(column: .id, name: "id", position: 1, value: .text(id1)),
                        .init(column: .field(.name), name: "name", position: 2, value: .text("x")),
                    ])
            ])
        #expect(
            records.diagnostics.map(\.description) == [
                "c.csv:1:3: error: unknown column 'nmae' (did you mean 'name'?)",
                "c.csv:3:1: error: quoted field is never closed (a '\"' is missing)",
            ])
    }

    @Test("validate: records become rows; problems are merged with reading's, by line")
    func validate() {
        let records = ChangeListReader.records(
            bytes: Array("id,name,wave\n\(id1),x,2\nnot-a-uuid,y,\n".utf8), file: "c.csv")
        let list = Validator.validate(records)
        #expect(
            list.rows == [
                ChangeRow(line: 2, selector: .id(id1), change: ConfigChange(fields: [.name: .set("x")]), wave: 2)
            ])
        #expect(list.recordCount == 2)
        #expect(list.diagnostics.map(\.description) == ["c.csv:3:1: error: 'id' is not a UUID: 'not-a-uuid'"])
    }

    @Test("resolve: configs in order of first hit, with their rows; a selector that matches nothing is reported")
    func resolve() {
        let rows = [
            ChangeRow(line: 2, selector: .match([.destination: "Webhook"]), change: ConfigChange(enable: true)),
            ChangeRow(line: 3, selector: .id(id2.uppercased()), change: ConfigChange(enable: true)),
            ChangeRow(line: 4, selector: .match([.destination: "Xero"]), change: ConfigChange(enable: true)),
        ]
        let resolution = Resolver.resolve(rows, in: TestInputs.snapshot, file: "c.csv", options: PlanOptions())
        #expect(
            resolution.targets == [
                Resolution.Target(config: 0, rows: [0]), Resolution.Target(config: 2, rows: [0]),
                Resolution.Target(config: 1, rows: [1]),
            ])
        #expect(resolution.diagnostics.map(\.description) == ["c.csv:4: warning: destination=Xero matches no config"])
    }

    @Test("merge: rows that agree become one change; rows that disagree are one error naming both lines")
    func merge() {
        let rows = [
            ChangeRow(line: 2, selector: .id(id1), change: ConfigChange(fields: [.name: .set("a")]), wave: 1),
            ChangeRow(line: 5, selector: .id(id1), change: ConfigChange(configDataPatch: .object(["k": .integer(1)]))),
            ChangeRow(line: 7, selector: .id(id1), change: ConfigChange(fields: [.name: .set("b")])),
        ]
        var conflicts = ConflictCollector(file: "c.csv")
        let merged = ChangeMerger.merge(rows, configID: id1, conflicts: &conflicts)
        #expect(
            merged
                == MergedChange(
                    change: ConfigChange(fields: [.name: .set("a")], configDataPatch: .object(["k": .integer(1)])),
                    wave: 1,
                    lines: [2, 5, 7]))
        #expect(
            conflicts.diagnostics.map(\.description) == [
                "c.csv:7: error: rows at lines 2 and 7 set 'name' of config \(id1) to different values"
            ])
    }

    @Test(
        "order: waves ascending, first hit first inside a wave",
        arguments: [
            ([0, 0, 0], [0, 1, 2]), ([1, 0, 1, 0], [1, 3, 0, 2]), ([-1, 5, 0], [0, 2, 1]), ([], []),
        ])
    func order(waves: [Int], expected: [Int]) {
        #expect(PlanBuilder.order(waves) == expected)
    }

    @Test("diff/status: the changed fields down to configData's leaves, secrets as fingerprints, and the status")
    func item() {
        let config = TestInputs.config(id1, version: 4, name: "One", enabled: false)
        let change = ConfigChange(
            fields: [.name: .set("One")],
            configDataPatch: .object(["apiToken": .string("t"), "url": .string("https://new")]),
            enable: true)
        let item = ItemBuilder.item(for: config, merged: MergedChange(change: change, wave: 2, lines: [3]))
        #expect(
            item.diff == [
                FieldChange(
                    path: ["configData", "apiToken"], before: nil, after: Secrets.fingerprint(.string("t")),
                    secret: true),
                FieldChange(
                    path: ["configData", "url"], before: .string("https://old"), after: .string("https://new"),
                    secret: false),
            ])
        #expect(item.status == .update)
        #expect(item.enable)
        #expect(item.enabledRead == false)
        #expect((item.versionRead, item.wave, item.inputLines) == (4, 2, [3]))
        let unchanged = ItemBuilder.item(
            for: TestInputs.config(id1), merged: MergedChange(change: ConfigChange(enable: true), lines: [2]))
        #expect(unchanged.status == .unchanged)
        #expect(unchanged.diff.isEmpty)
    }
}
