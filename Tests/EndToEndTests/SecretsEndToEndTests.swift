import Foundation
import Sandbox
import TestSupport
import Testing

extension EndToEnd {
    /// No secret reaches any output or file: seeded secret configData values, a secret the change
    /// list sets, the API secret and bearer tokens.
    @Suite("secrets, end to end")
    struct SecretsEndToEndTests {
        static let newSecret = "sk_live_NEWSECRET_4f9a2c7e1b"
        /// The secret the demo's sample change list sets (`samples/rotate-credentials.csv`).
        static let demoSecret = "sk_test_rotated_2026_11_demo"
        /// The secret keys the sandbox's seed data holds (listed here, not decided by the code under test).
        static let secretKeys: Set<String> = ["apiSecret", "password", "clientSecret"]

        /// Every string value under one of ``secretKeys``, at any depth.
        static func secretValues(_ object: [String: SandboxJSON]) -> [String] {
            object.flatMap { key, value -> [String] in
                if secretKeys.contains(key), let text = value.stringValue { return [text] }
                if let inner = value.objectValue { return secretValues(inner) }
                return []
            }
        }

        @Test("plan, apply, resume, report and demo never print or write a secret")
        func noSecretAnywhere() async throws {
            try await withSandbox(SandboxOptions(seedConfigs: 60, seed: 31)) { sandbox in
                let work = try TestSupport.temporaryDirectory()
                let input = try TestSupport.temporaryDirectory()
                let seeded = await sandbox.configs().flatMap { Self.secretValues($0.configData) }
                #expect(seeded.count > 20)
                // The demo runs its own org (240 configs, seed 2026), and leaves its runs under `work` too.
                let demoSeeded = SeedData.generate(count: 240, seed: 2026).flatMap { Self.secretValues($0.configData) }
                #expect(demoSeeded.count > 100)
                let changes = try TestSupport.write(
                    "match.destination,configData.apiSecret,configData.region\nStripe,\(Self.newSecret),eu-west-1\n",
                    to: "rotate.csv", in: input)
                let bearer = try await sandbox.pastedToken()
                var tokenEnvironment = sandbox.cliEnvironment
                tokenEnvironment["M3TER_API_KEY"] = nil
                tokenEnvironment["M3TER_API_SECRET"] = nil
                tokenEnvironment["M3TER_API_TOKEN"] = bearer
                let run = work.appendingPathComponent("run")
                let plan = work.appendingPathComponent("plan.json")
                let steps: [([String], [String: String])] = [
                    (["validate", changes.path], [:]),
                    (["plan", changes.path, "--out", plan.path, "--format", "markdown"], sandbox.cliEnvironment),
                    (["plan", changes.path, "--format", "json"], tokenEnvironment),
                    (["plan", changes.path, "--format", "html"], sandbox.cliEnvironment),
                    (["export", "--out", "org.csv"], sandbox.cliEnvironment),
                    (["export", "--format", "jsonl"], tokenEnvironment),
                    (["apply", changes.path, "--yes", "--run-dir", run.path], sandbox.cliEnvironment),
                    (["resume", run.path], tokenEnvironment),
                    (["report", run.path, "--format", "html"], [:]),
                    (["report", run.path, "--format", "csv"], [:]),
                    (["report", run.path, "--format", "json"], [:]),
                    (["apply", "--plan", plan.path, "--changes", changes.path, "--yes"], sandbox.cliEnvironment),
                    (["demo", "--samples", CLIRunner.packageRoot().appendingPathComponent("samples").path], [:]),
                ]
                var transcript = ""
                for (arguments, environment) in steps {
                    let result = try await CLIRunner.run(arguments, environment: environment, directory: work)
                    #expect([0, 1].contains(result.status), "\(arguments): \(result.stderr)")
                    transcript += result.stdout + result.stderr
                }
                #expect(
                    await sandbox.configs().filter { $0.destination == "Stripe" }.allSatisfy {
                        $0.configData["apiSecret"]?.stringValue == Self.newSecret
                    })
                let files = TestSupport.files(under: work)
                #expect(files.count > 10)
                let contents = files.map {
                    (try? Data(contentsOf: $0)).map { String(decoding: $0, as: UTF8.self) } ?? ""
                }
                #expect(files.contains { $0.path.contains("/runs/demo-") && $0.lastPathComponent == "journal.jsonl" })
                let forbidden = seeded + demoSeeded + [Self.newSecret, Self.demoSecret, sandbox.apiSecret, bearer]
                for secret in forbidden {
                    #expect(!transcript.contains(secret), "a secret was printed")
                    for (file, text) in zip(files, contents) {
                        #expect(!text.contains(secret), "a secret was written to \(file.lastPathComponent)")
                    }
                }
            }
        }
    }
}
