import Foundation
import Sandbox
import TestSupport
import Testing

extension EndToEnd {
    /// `validate` and offline `plan`: no server at all.
    @Suite("validate and offline plan, end to end")
    struct PlanEndToEndTests {
        static let stateJSON = """
            {"data": [
              {"id": "11111111-1111-4111-8111-111111111111", "version": 3, "entityType": "Bill", "destination": "Stripe",
               "name": "Stripe, EU", "integrationCredentialsId": "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa",
               "configData": {"region": "eu", "apiKey": "sk_live_do_not_print_me"}, "enabled": true,
               "someFutureField": {"ignored": true}},
              {"id": "22222222-2222-4222-8222-222222222222", "version": 1, "entityType": "Bill", "destination": "Xero",
               "name": null, "configData": null, "enabled": false}
            ]}
            """

        @Test(
            "plan --snapshot prints text, markdown and JSON plans (golden files) and writes the plan file, secrets redacted"
        )
        func offlinePlan() async throws {
            let dir = try TestSupport.temporaryDirectory()
            _ = try TestSupport.write(Self.stateJSON, to: "state.json", in: dir)
            _ = try TestSupport.write(
                "id,name,configData.apiKey,enabled\n"
                    + "11111111-1111-4111-8111-111111111111,\"Stripe, \"\"EU\"\" (rotated)\",sk_live_new_secret,\n"
                    + "22222222-2222-4222-8222-222222222222,,,true\n",
                to: "changes.csv", in: dir)
            let plan = ["plan", "changes.csv", "--snapshot", "state.json"]
            let text = try await CLIRunner.run(plan + ["--out", "plan.json"], directory: dir)
            #expect(text.status == 0, "\(text.stderr)")
            #expect(text.stderr == "plan written to plan.json\n")
            let markdown = try await CLIRunner.run(plan + ["--format", "markdown"], directory: dir)
            #expect(markdown.status == 0)
            let json = try await CLIRunner.run(plan + ["--format", "json"], directory: dir)
            #expect(json.status == 0)
            let saved = try String(contentsOf: dir.appendingPathComponent("plan.json"), encoding: .utf8)
            #expect(saved == json.stdout)
            for (output, name) in [(text.stdout, "txt"), (markdown.stdout, "md"), (json.stdout, "json")] {
                let mismatch = try Golden.mismatch(output, name: "offline-plan.\(name)")
                #expect(mismatch == nil, "offline-plan.\(name) differs from its golden file:\n\(output)")
                #expect(!output.contains("sk_live_do_not_print_me"))
                #expect(!output.contains("sk_live_new_secret"))
            }
        }

        @Test("validate names the line of a JSON Lines record that does not parse, not a later one")
        func jsonLinesError() async throws {
            let dir = try TestSupport.temporaryDirectory()
            _ = try TestSupport.write(
                "{\"id\": \"22222222-2222-4222-8222-222222222222\", \"enabled\": true}\n"
                    + "{\"id\": \"11111111-1111-4111-8111-111111111111\", \"name\": \"cut off\"\n\n",
                to: "bad.jsonl", in: dir)
            let result = try await CLIRunner.run(["validate", "bad.jsonl"], directory: dir)
            #expect(result.status == 2)
            #expect(
                result.stderr
                    == "bad.jsonl:2: error: malformed JSON: expected ',' or '}' in an object\n1 error; nothing was sent\n"
            )
        }

        @Test("plan --out to a place that cannot be written shows the plan, then fails with exit 1")
        func unwritableOut() async throws {
            let dir = try TestSupport.temporaryDirectory()
            let state = try TestSupport.write(Self.stateJSON, to: "state.json", in: dir)
            let changes = try TestSupport.write(
                "id,enabled\n22222222-2222-4222-8222-222222222222,true\n", to: "changes.csv", in: dir)
            let out = dir.appendingPathComponent("missing/plan.json")
            let result = try await CLIRunner.run(["plan", changes.path, "--snapshot", state.path, "--out", out.path])
            #expect(result.status == 1)
            #expect(result.stdout.contains("0 update, 1 enable-only, 0 unchanged"), "\(result.stdout)")
            #expect(result.stderr.contains("error:"), "\(result.stderr)")
            #expect(!result.stderr.contains("plan written to"))
            #expect(!FileManager.default.fileExists(atPath: out.path))
        }

        @Test("a selector that matches nothing is a warning, an error with --require-match")
        func requireMatch() async throws {
            let dir = try TestSupport.temporaryDirectory()
            let state = try TestSupport.write(Self.stateJSON, to: "state.json", in: dir)
            let changes = try TestSupport.write("match.destination,name\nNetsuite,x\n", to: "c.csv", in: dir)
            let lenient = try await CLIRunner.run(["plan", changes.path, "--snapshot", state.path])
            #expect(lenient.status == 0)
            #expect(lenient.stderr.contains("c.csv:2: warning:"), "\(lenient.stderr)")
            let strict = try await CLIRunner.run(["plan", changes.path, "--snapshot", state.path, "--require-match"])
            #expect(strict.status == 2)
            #expect(strict.stderr.contains("c.csv:2: error:"), "\(strict.stderr)")
        }

        @Test("validate accepts a good JSON Lines list and rejects enabled=false with a reason")
        func validate() async throws {
            let dir = try TestSupport.temporaryDirectory()
            let good = try TestSupport.write(
                #"{"match": {"destination": "Stripe"}, "configData": {"region": "eu"}}"# + "\n\n"
                    + #"{"id": "11111111-1111-4111-8111-111111111111", "enabled": true, "wave": 2}"# + "\n",
                to: "good.jsonl", in: dir)
            let ok = try await CLIRunner.run(["validate", good.path])
            #expect(ok.status == 0, "\(ok.stderr)")
            let bad = try TestSupport.write(
                "id,enabled\n11111111-1111-4111-8111-111111111111,false\n", to: "bad.csv", in: dir)
            let refused = try await CLIRunner.run(["validate", bad.path])
            #expect(refused.status == 2)
            #expect(refused.stderr.contains("bad.csv:2:2: error:"), "\(refused.stderr)")
            #expect(refused.stderr.lowercased().contains("disable"), "\(refused.stderr)")
        }
    }
}
