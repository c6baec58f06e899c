import ArgumentParser
import BulkUpdate
import Foundation
import Planner

/// Where the API is and which org: flags for the non-secret parts, the environment for the rest.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "The API's base URL (default: M3TER_BASE_URL, else https://api.m3ter.com).")
    var baseURL: String?

    @Option(help: "The organization id (default: M3TER_ORG_ID).")
    var org: String?

    /// A client for the run, or exit 4 with a message saying what to set.
    func makeClient(rate: Double, concurrency: Int) throws -> M3terClient {
        let environment = ProcessInfo.processInfo.environment
        do {
            let settings = try ConnectionSettings.resolve(baseURL: baseURL, orgId: org, environment: environment)
            let credentials = try Credentials.fromEnvironment(environment)
            return M3terClient.live(
                settings: settings, credentials: credentials, rate: rate, concurrency: concurrency)
        } catch {
            Terminal.errorLine("error: \(error)")
            throw Exit.unreachable
        }
    }
}

extension M3terClient {
    /// Authenticates and reads every config (one list sweep), or exits 4 saying why.
    func readOrg() async throws -> [IntegrationConfig] {
        do {
            try await authenticate()
            return try await listConfigs(destinationId: nil)
        } catch {
            Terminal.errorLine(
                "error: could not read the org's configs from \(settings.baseURL.absoluteString): \(error)")
            Terminal.errorLine("nothing was sent; check the base URL, org id and credentials")
            throw Exit.unreachable
        }
    }

    /// Live figures for the progress line: the average request rate (the closing summary's figure) and
    /// whether the limiter is pausing.
    func progressStatus() async -> (requestRate: Double, throttled: Bool) {
        // The same figure as the closing summary's request rate: the requests since the run began
        // (after the confirmation), over the time since then.
        (await metrics.averageRate, await limiter.isPausing)
    }
}
