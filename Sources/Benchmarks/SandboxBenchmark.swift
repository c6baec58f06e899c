import Foundation
import Sandbox

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The sandbox benchmark: requests per second the sandbox serves on loopback, by operation and
/// number of concurrent clients (URLSession, keep-alive, rate limit off, no latency).
///
/// `swift run -c release Benchmarks sandbox [--configs 1000] [--requests 3000] [--concurrency 1,16,64]`
enum SandboxBenchmark {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func run(_ arguments: [String]) async throws {
        var configs = 1000
        var requests = 3000
        var concurrencies = [1, 16, 64]
        var index = 0
        while index < arguments.count {
            let value = index + 1 < arguments.count ? arguments[index + 1] : ""
            switch arguments[index] {
            case "--configs": configs = Int(value) ?? configs
            case "--requests": requests = Int(value) ?? requests
            case "--concurrency": concurrencies = value.split(separator: ",").compactMap { Int($0) }
            default: throw Failure(description: "unknown option \(arguments[index])")
            }
            index += 2
        }
        let options = SandboxOptions(seedConfigs: configs, faults: SandboxFaults(rateLimit: 0))
        try await withSandbox(options) { server in
            print("sandbox benchmark: \(configs) configs, \(requests) requests per row, loopback, rate limit off")
            print("operation                  clients   req/s     p50 ms   p99 ms   errors")
            for operation in Operation.allCases {
                for concurrency in concurrencies {
                    await server.reset()
                    let result = try await measure(operation, server: server, requests: requests, clients: concurrency)
                    print(result.line(operation: operation, clients: concurrency))
                }
            }
            let stats = await server.stats()
            print("sandbox peak concurrent requests: \(stats.peakConcurrent)")
        }
    }

    enum Operation: String, CaseIterable {
        case listPage200 = "GET list pageSize=200"
        case listPage10 = "GET list pageSize=10"
        case getById = "GET /{id}"
        case put = "PUT /{id} (full body)"
    }

    struct Result {
        var seconds: Double
        var latencies: [Double]
        var errors: Int

        func line(operation: Operation, clients: Int) -> String {
            let sorted = latencies.sorted()
            func percentile(_ p: Double) -> Double {
                sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1000
            }
            let rate = Double(latencies.count) / seconds
            return operation.rawValue.padding(toLength: 27, withPad: " ", startingAt: 0)
                + String(clients).padding(toLength: 10, withPad: " ", startingAt: 0)
                + String(format: "%-10.0f%-9.2f%-9.2f%d", rate, percentile(0.5), percentile(0.99), errors)
        }
    }

    private static func measure(
        _ operation: Operation, server: SandboxServer, requests: Int, clients: Int
    ) async throws -> Result {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = clients
        configuration.timeoutIntervalForRequest = 60
        let session = URLSession(configuration: configuration)
        let token = try await fetchToken(server, session: session)
        let base = server.baseURL.absoluteString + "/organizations/\(server.orgId)/integrationconfigs"
        let all = await server.configs()
        let perClient = max(1, requests / clients)
        let clock = ContinuousClock()
        let start = clock.now
        let outcomes = try await withThrowingTaskGroup(of: ([Double], Int).self) { group in
            for client in 0..<clients {
                // Each client writes its own configs, so PUTs never conflict.
                let owned = stride(from: client, to: all.count, by: clients).map { all[$0] }
                group.addTask {
                    var versions = Dictionary(uniqueKeysWithValues: owned.map { ($0.id, $0.version) })
                    var latencies: [Double] = []
                    var errors = 0
                    for step in 0..<perClient {
                        let config = owned.isEmpty ? all[step % all.count] : owned[step % owned.count]
                        var request: URLRequest
                        switch operation {
                        case .listPage200, .listPage10:
                            let size = operation == .listPage200 ? 200 : 10
                            request = URLRequest(url: try url("\(base)?pageSize=\(size)"))
                        case .getById:
                            request = URLRequest(url: try url("\(base)/\(config.id)"))
                        case .put:
                            request = URLRequest(url: try url("\(base)/\(config.id)"))
                            request.httpMethod = "PUT"
                            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                            request.httpBody = try body(config, version: versions[config.id] ?? config.version)
                        }
                        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
                        let sent = clock.now
                        let (data, response) = try await session.data(for: request)
                        latencies.append((clock.now - sent).seconds)
                        guard (response as? HTTPURLResponse)?.statusCode == 200 else {
                            errors += 1
                            continue
                        }
                        if operation == .put,
                            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
                            let version = object["version"] as? Int
                        {
                            versions[config.id] = Int64(version)
                        }
                    }
                    return (latencies, errors)
                }
            }
            return try await group.reduce(into: [([Double], Int)]()) { $0.append($1) }
        }
        let seconds = (clock.now - start).seconds
        session.finishTasksAndInvalidate()
        return Result(
            seconds: seconds, latencies: outcomes.flatMap(\.0), errors: outcomes.map(\.1).reduce(0, +))
    }

    private static func fetchToken(_ server: SandboxServer, session: URLSession) async throws -> String {
        var request = URLRequest(url: server.baseURL.appendingPathComponent("oauth/token"))
        request.httpMethod = "POST"
        let basic = Data("\(server.apiKey):\(server.apiSecret)".utf8).base64EncodedString()
        request.setValue("Basic \(basic)", forHTTPHeaderField: "Authorization")
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data("grant_type=client_credentials".utf8)
        let (data, _) = try await session.data(for: request)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let token = object["access_token"] as? String
        else { throw Failure(description: "no token from the sandbox") }
        return token
    }

    private static func url(_ text: String) throws -> URL {
        guard let url = URL(string: text) else { throw Failure(description: "bad URL \(text)") }
        return url
    }

    private static func body(_ config: SandboxConfig, version: Int64) throws -> Data {
        var edited = config
        edited.name = "benchmark \(version)"
        let encoded = try JSONEncoder().encode(edited)
        guard var object = try JSONSerialization.jsonObject(with: encoded) as? [String: Any] else {
            throw Failure(description: "config did not encode as an object")
        }
        object["version"] = version
        return try JSONSerialization.data(withJSONObject: object)
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    fileprivate var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}
