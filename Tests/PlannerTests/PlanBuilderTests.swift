import Foundation
import Planner
import Testing

@Suite("Plan building")
struct PlanBuilderTests {
    let id1 = TestInputs.id1
    let id2 = TestInputs.id2
    let id3 = TestInputs.id3

    @Test("match columns are ANDed")
    func selectorsAND() {
        let result = TestInputs.plan(
            "match.destination,match.integrationCredentialsId,name\nWebhook,\(TestInputs.credA),renamed\n")
        #expect(result.plan.items.map(\.id) == [id1])
        #expect(
            result.plan.items.first?.diff == [
                FieldChange(path: ["name"], before: .string("One"), after: .string("renamed"), secret: false)
            ])
    }

    @Test("a selector that matches nothing is a warning, or an error with --require-match")
    func noMatch() {
        let text = "match.destination,name\nNetsuite,x\n"
        let lenient = TestInputs.plan(text)
        #expect(!lenient.hasErrors)
        #expect(
            lenient.plan.warnings.map(\.description) == [
                "changes.csv:2: warning: destination=Netsuite matches no config"
            ])
        let strict = TestInputs.plan(text, requireMatch: true)
        #expect(
            strict.diagnostics.map(\.description) == ["changes.csv:2: error: destination=Netsuite matches no config"])
        let unknownID = TestInputs.plan("id,name\n44444444-4444-4444-8444-444444444444,x\n")
        #expect(
            unknownID.plan.warnings.map(\.message) == [
                "no config with id 44444444-4444-4444-8444-444444444444 in the org"
            ])
    }

    @Test("rows that agree on one config merge into one item")
    func mergeAgreeing() throws {
        let result = TestInputs.plan(
            "id,match.destination,name,configData.url,configData.retries\n"
                + "\(id1),,renamed,https://new,\n,Webhook,renamed,,3\n")
        #expect(!result.hasErrors)
        let first = try #require(result.plan.items.first { $0.id == id1 })
        #expect(first.inputLines == [2, 3])
        #expect(first.change.configDataPatch == .object(["url": .string("https://new"), "retries": .integer(3)]))
        #expect(first.diff.map(\.dottedPath) == ["name", "configData.retries", "configData.url"])
        #expect(result.plan.items.map(\.id) == [id1, id3])
    }

    @Test("rows that set one field of one config differently are an error naming both lines")
    func conflicting() {
        let result = TestInputs.plan(
            "id,match.destination,integrationCredentialsId,configData.url\n"
                + "\(id1),,\(TestInputs.credB),\n,Webhook,\(TestInputs.credA),\n\(id3),,,https://a\n,Webhook,,https://b\n"
        )
        #expect(
            result.diagnostics.filter { $0.severity == .error }.map(\.description) == [
                "changes.csv:3: error: rows at lines 2 and 3 set 'integrationCredentialsId' of config \(id1) to different values",
                "changes.csv:5: error: rows at lines 4 and 5 set 'configData.url' of config \(id3) to different values",
            ])
    }

    @Test("a conflict repeated over many configs is reported once with a count")
    func conflictCount() {
        let result = TestInputs.plan("match.entityType,name\nBill,a\nBill,b\n")
        #expect(
            result.diagnostics.map(\.description) == [
                "changes.csv:3: error: rows at lines 2 and 3 set 'name' of config \(id1) (and 2 more configs) to different values"
            ])
    }

    @Test("a config already in the desired state is unchanged; enabling only is enable-only")
    func statuses() {
        let result = TestInputs.plan(
            "id,integrationCredentialsId,configData.url,enabled\n"
                + "\(id1),\(TestInputs.credA),https://old,\n\(id2),,,true\n\(id3),,,true\n")
        #expect(result.plan.items.map(\.status) == [.unchanged, .enableOnly, .unchanged])
        #expect(result.plan.items.map(\.enable) == [false, true, false])
        #expect(result.plan.items[1].after["enabled"] == .bool(true))
    }

    @Test("re-planning the planned state changes nothing")
    func idempotent() {
        let text = "match.destination,name,configData.x.y\nWebhook,new,1\n"
        let first = TestInputs.plan(text)
        let applied = Snapshot(
            configs: TestInputs.snapshot.configs.map { config in
                first.plan.items.first { $0.id == config.id }.map { $0.change.applied(to: config) } ?? config
            })
        #expect(TestInputs.plan(text, snapshot: applied).plan.items.allSatisfy { $0.status == .unchanged })
    }

    @Test("waves ascend; inside a wave, input order")
    func waves() {
        let result = TestInputs.plan("id,name,wave\n\(id3),c,2\n\(id2),b,\n\(id1),a,2\n")
        #expect(result.plan.items.map(\.id) == [id2, id3, id1])
        #expect(result.plan.items.map(\.wave) == [0, 2, 2])
    }

    @Test("an expectedVersion that no longer holds is planned with a warning; apply reports it as a conflict")
    func expectedVersion() {
        let result = TestInputs.plan("id,name,expectedVersion\n\(id1),a,4\n\(id2),b,1\n")
        #expect(result.plan.items.map(\.id) == [id1, id2])
        #expect(result.plan.items.map(\.expectedVersion) == [4, 1])
        #expect(
            result.plan.warnings.map(\.description) == [
                "changes.csv:3: warning: config \(id2) is at version 2, not the expected 1; it will be reported as a "
                    + "conflict and left untouched"
            ])
    }

    @Test("\\N clears a field and removes a configData key; 007 stays a string")
    func clearAndStrings() throws {
        let result = TestInputs.plan("id,name,configData.url,configData.code\n\(id1),\\N,\\N,007\n")
        let item = try #require(result.plan.items.first)
        #expect(
            item.diff == [
                FieldChange(path: ["name"], before: .string("One"), after: nil, secret: false),
                FieldChange(path: ["configData", "code"], before: nil, after: .string("007"), secret: false),
                FieldChange(path: ["configData", "url"], before: .string("https://old"), after: nil, secret: false),
            ])
        #expect(item.after["name"] == nil)
    }

    @Test("the configData column applies as a merge patch and is diffed down to leaves")
    func configDataPatch() throws {
        var config = TestInputs.config(id1)
        config.configData = ["a": .object(["b": .integer(1), "c": .integer(2)]), "keep": .bool(true)]
        let result = TestInputs.plan(
            "id,configData\n\(id1),\"{\"\"a\"\":{\"\"b\"\":null,\"\"d\"\":[1]}}\"\n",
            snapshot: Snapshot(configs: [config]))
        let item = try #require(result.plan.items.first)
        #expect(item.diff.map(\.dottedPath) == ["configData.a.b", "configData.a.d"])
        // before/after hold just the changed leaves, at their paths.
        #expect(item.before["configData"] == .object(["a": .object(["b": .integer(1)])]))
        #expect(item.after["configData"] == .object(["a": .object(["d": .array([.integer(1)])])]))
    }

    @Test("secrets are compared by fingerprint and never appear in the plan")
    func secrets() throws {
        var config = TestInputs.config(id1)
        config.configData = ["apiKey": .string("old-secret-value"), "nested": .object(["password": .string("pw-old")])]
        let result = TestInputs.plan(
            "id,configData.apiKey,configData.nested.password\n\(id1),new-secret-value,pw-old\n",
            snapshot: Snapshot(configs: [config]))
        let item = try #require(result.plan.items.first)
        #expect(item.diff.count == 1)
        #expect(item.diff.first?.secret == true)
        #expect(item.diff.first?.dottedPath == "configData.apiKey")
        #expect(item.change.configDataPatch?.objectValue?["apiKey"] == .string("new-secret-value"))
        let file = String(decoding: PlanFile.encode(result.plan), as: UTF8.self)
        for secret in ["old-secret-value", "new-secret-value", "pw-old"] {
            #expect(!file.contains(secret))
            #expect(!PlanRenderer.text(result.plan).contains(secret))
            #expect(!PlanRenderer.markdown(result.plan).contains(secret))
        }
        #expect(PlanRenderer.text(result.plan).contains("configData.apiKey: changed (secret)"))
    }

    @Test("the before and after states hold only the fields the item changes, redacted")
    func beforeAfter() throws {
        let result = TestInputs.plan("id,integrationCredentialsId,name\n\(id1),\(TestInputs.credB),One\n")
        let item = try #require(result.plan.items.first)
        #expect(Set(item.before.keys) == ["integrationCredentialsId"])
        #expect(Set(item.after.keys) == ["integrationCredentialsId"])
        #expect(item.after["integrationCredentialsId"] == .string(TestInputs.credB))
        #expect(item.versionRead == 4)
        #expect(item.status == .update)
    }
}
