import Foundation
import Sandbox
import TestSupport
import Testing

extension EndToEnd {
    /// Writes that commit and are then answered with an error (a server failing after its commit, a
    /// gateway timing out on it), and `Retry-After` dates, with the real binary against the sandbox.
    @Suite("errors after a commit, and Retry-After dates, end to end")
    struct GatewayFaultsEndToEndTests {
        static let newCredentials = "77777777-7777-4777-8777-777777777777"

        /// A fault that commits a write and then answers it with an error.
        enum PostCommitFault: String, CaseIterable, CustomTestStringConvertible {
            /// 500 with m3ter's JSON error body.
            case commitError
            /// 502 or 504 with a gateway's HTML page.
            case gatewayError

            var testDescription: String { rawValue }

            /// The sandbox's faults with this one at `rate`.
            func faults(rate: Double) -> SandboxFaults {
                switch self {
                case .commitError: SandboxFaults(commitErrorRate: rate)
                case .gatewayError: SandboxFaults(gatewayErrorRate: rate)
                }
            }

            /// How many writes the sandbox answered with this fault.
            func count(in stats: SandboxStats) -> Int {
                switch self {
                case .commitError: stats.commitErrors
                case .gatewayError: stats.gatewayErrors
                }
            }
        }

        /// The rows of `report.json` in `runDir`.
        func reportRows(_ runDir: URL) throws -> [[String: Any]] {
            let data = try Data(contentsOf: runDir.appendingPathComponent("report.json"))
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            return try #require(object["rows"] as? [[String: Any]])
        }

        /// Runs `apply` of `csv` against `sandbox`; returns the result and the run directory.
        func apply(_ csv: String, _ sandbox: SandboxServer) async throws -> (CLIResult, URL) {
            let dir = try TestSupport.temporaryDirectory()
            let changes = try TestSupport.write(csv, to: "changes.csv", in: dir)
            let runDir = dir.appendingPathComponent("run")
            let result = try await CLIRunner.run(
                ["apply", changes.path, "--yes", "--run-dir", runDir.path], environment: sandbox.cliEnvironment)
            return (result, runDir)
        }

        @Test(
            "a rotation whose writes commit and are then answered with an error: each written once, all applied",
            arguments: PostCommitFault.allCases)
        func rotation(fault: PostCommitFault) async throws {
            let options = SandboxOptions(seedConfigs: 40, seed: 31, faults: fault.faults(rate: 0.25))
            try await withSandbox(options) { sandbox in
                let configs = await sandbox.configs()
                let rows = configs.map { "\($0.id),\(Self.newCredentials)" }.joined(separator: "\n")
                let (result, runDir) = try await apply("id,integrationCredentialsId\n\(rows)\n", sandbox)
                #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")

                let before = Dictionary(uniqueKeysWithValues: configs.map { ($0.id, $0) })
                let final = await sandbox.configs()
                #expect(final.count == configs.count)
                for config in final {
                    var planned = try #require(before[config.id])
                    planned.integrationCredentialsId = Self.newCredentials
                    #expect(config.version == planned.version + 1)
                    #expect(config.integrationCredentialsId == planned.integrationCredentialsId)
                    #expect(config.name == planned.name && config.configData == planned.configData)
                }

                let stats = await sandbox.stats()
                let injected = fault.count(in: stats)
                #expect(injected > 0)
                #expect(stats.writesById.count == configs.count)
                #expect(stats.writesById.values.allSatisfy { $0 == 1 })

                let report = try reportRows(runDir)
                #expect(report.count == configs.count)
                #expect(report.allSatisfy { $0["status"] as? String == "applied" })
                // Exactly the writes answered with an error were found applied by a re-read.
                #expect(report.filter { $0["reconciled"] as? Bool == true }.count == injected)
            }
        }

        @Test(
            "a bulk re-enable whose enables commit and are then answered with an error: each enabled once",
            arguments: PostCommitFault.allCases)
        func reenable(fault: PostCommitFault) async throws {
            let options = SandboxOptions(seedConfigs: 30, seed: 32, faults: fault.faults(rate: 0.3))
            try await withSandbox(options) { sandbox in
                for config in await sandbox.configs() { await sandbox.mutate(id: config.id) { $0.enabled = false } }
                let configs = await sandbox.configs()
                let rows = configs.map { "\($0.id),true" }.joined(separator: "\n")
                let (result, runDir) = try await apply("id,enabled\n\(rows)\n", sandbox)
                #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")

                let before = Dictionary(uniqueKeysWithValues: configs.map { ($0.id, $0.version) })
                let final = await sandbox.configs()
                #expect(final.allSatisfy { $0.enabled })
                #expect(final.allSatisfy { $0.version == (before[$0.id] ?? -1) + 1 })

                let stats = await sandbox.stats()
                #expect(fault.count(in: stats) > 0)
                #expect(stats.writesById.count == configs.count)
                #expect(stats.writesById.values.allSatisfy { $0 == 1 })
                let report = try reportRows(runDir)
                #expect(report.count == configs.count)
                #expect(report.allSatisfy { $0["status"] as? String == "enabled" })
            }
        }

        @Test("a 429 whose Retry-After is an HTTP date: the run waits until then, and finishes")
        func retryAfterDate() async throws {
            let seconds = 4
            let faults = SandboxFaults(rateLimit: 2, retryAfter: seconds, retryAfterFormat: .date)
            // A list and four updates at the CLI's 40/s fit in two one-second windows of two: at least one 429.
            try await withSandbox(SandboxOptions(seedConfigs: 4, seed: 33, faults: faults)) { sandbox in
                let configs = await sandbox.configs()
                let rows = configs.map { "\($0.id),\(Self.newCredentials)" }.joined(separator: "\n")
                let clock = ContinuousClock()
                let start = clock.now
                let (result, runDir) = try await apply("id,integrationCredentialsId\n\(rows)\n", sandbox)
                let elapsed = clock.now - start
                #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
                #expect(await sandbox.configs().allSatisfy { $0.integrationCredentialsId == Self.newCredentials })
                let stats = await sandbox.stats()
                #expect(stats.throttled >= 1)
                #expect(stats.writesById.values.allSatisfy { $0 == 1 })
                #expect(try reportRows(runDir).allSatisfy { $0["status"] as? String == "applied" })
                // A lower bound only, which no slowness can break: a throttled request waits until the
                // date, at least `seconds` after the 429 (less the client's clock being a little later),
                // and the run ends after it. Without the date, five requests at two a second take ~2 s.
                #expect(elapsed >= .seconds(seconds) - .milliseconds(500))
            }
        }
    }
}
