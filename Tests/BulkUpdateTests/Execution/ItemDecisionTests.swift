import BulkUpdate
import Planner
import Testing

@Suite("The conflict and lost-response rules")
struct ItemDecisionTests {
    let config = sampleConfig(1)
    let rotate = ConfigChange(fields: [.integrationCredentialsId: .set("22222222-2222-4222-8222-222222222222")])

    @Test("an unmoved config gets the planned body at its version")
    func unmovedPuts() {
        let item = makeItem(config, rotate)
        let decision = ItemDecision.decide(
            item: item, live: config, baseVersion: item.versionRead, written: .none, onConflict: .reapply)
        var expected = config
        expected.integrationCredentialsId = "22222222-2222-4222-8222-222222222222"
        #expect(decision == .put(expected.updateBody))
    }

    @Test("a moved config whose other fields changed is re-applied on top, keeping the other change")
    func rebase() {
        let item = makeItem(config, rotate)
        var live = config
        live.version = 5
        live.name = "renamed by someone"
        let decision = ItemDecision.decide(
            item: item, live: live, baseVersion: item.versionRead, written: .none, onConflict: .reapply)
        guard case .put(let body) = decision else {
            Issue.record("expected a put, got \(decision)")
            return
        }
        #expect(body.version == 5)
        #expect(body.name == "renamed by someone")
        #expect(body.integrationCredentialsId == "22222222-2222-4222-8222-222222222222")
    }

    @Test("a moved config whose changed field was edited by someone else is a conflict")
    func sameFieldConflict() {
        let item = makeItem(config, rotate)
        var live = config
        live.version = 4
        live.integrationCredentialsId = "33333333-3333-4333-8333-333333333333"
        let decision = ItemDecision.decide(
            item: item, live: live, baseVersion: item.versionRead, written: .none, onConflict: .reapply)
        #expect(
            decision
                == .finish(
                    .conflict,
                    message: "moved from version 3 to 4 and its 'integrationCredentialsId' was changed by someone "
                        + "else; left untouched", reconciled: false))
    }

    @Test("--on-conflict skip reports a clean rebase as a conflict instead of writing")
    func skipPolicy() {
        let item = makeItem(config, rotate)
        var live = config
        live.version = 4
        live.name = "other"
        let decision = ItemDecision.decide(
            item: item, live: live, baseVersion: item.versionRead, written: .none, onConflict: .skip)
        #expect(
            decision
                == .finish(
                    .conflict, message: "moved from version 3 to 4; not re-applied (--on-conflict skip)",
                    reconciled: false))
    }

    @Test("after a lost response, version + 1 with the planned values is applied (reconciled)")
    func lostResponseCommitted() {
        let item = makeItem(config, rotate)
        var live = item.change.applied(to: config)
        live.version = 4
        let decision = ItemDecision.decide(
            item: item, live: live, baseVersion: item.versionRead, written: .maybe, onConflict: .reapply)
        #expect(decision == .finish(.applied, message: "found already applied at version 4", reconciled: true))
    }

    @Test("after a lost response, an unchanged config at the planned version is sent again")
    func lostResponseNotCommitted() {
        let item = makeItem(config, rotate)
        let decision = ItemDecision.decide(
            item: item, live: config, baseVersion: item.versionRead, written: .maybe, onConflict: .reapply)
        #expect(decision == .put(item.change.applied(to: config).updateBody))
    }

    @Test("someone else already made the same change: unchanged, nothing sent")
    func alreadyDoneBySomeoneElse() {
        let item = makeItem(config, rotate)
        var live = item.change.applied(to: config)
        live.version = 9
        let decision = ItemDecision.decide(
            item: item, live: live, baseVersion: item.versionRead, written: .none, onConflict: .reapply)
        #expect(
            decision == .finish(.unchanged, message: "already holds the planned values at version 9", reconciled: false)
        )
    }

    @Test("a write that landed but whose enable did not: only the enable is sent on resume")
    func resumeEnableOnly() {
        let disabled = sampleConfig(2, enabled: false)
        var change = rotate
        change.enable = true
        let item = makeItem(disabled, change)
        var live = change.applied(to: disabled)
        live.version = disabled.version + 1
        let decision = ItemDecision.decide(
            item: item, live: live, baseVersion: item.versionRead, written: .maybe, onConflict: .reapply)
        #expect(decision == .enable)
    }

    @Test("expectedVersion that no longer matches is a conflict (undo lists rely on it)")
    func expectedVersion() {
        let item = makeItem(config, rotate, expectedVersion: 2)
        let decision = ItemDecision.decide(
            item: item, live: config, baseVersion: item.versionRead, written: .none, onConflict: .reapply)
        #expect(
            decision
                == .finish(
                    .conflict, message: "expected version 2 but the config is at version 3; left untouched",
                    reconciled: false))
    }

    @Test("a changed secret is compared by fingerprint: drift is a conflict")
    func secretDrift() {
        let change = ConfigChange(configDataPatch: .object(["apiKey": .string("sk_new")]))
        let item = makeItem(config, change)
        var live = config
        live.version = 4
        live.configData?["apiKey"] = .string("sk_rotated_by_someone")
        let decision = ItemDecision.decide(
            item: item, live: live, baseVersion: item.versionRead, written: .none, onConflict: .reapply)
        #expect(
            decision
                == .finish(
                    .conflict,
                    message: "moved from version 3 to 4 and its 'configData.apiKey' was changed by someone else; "
                        + "left untouched", reconciled: false))
    }
}
