import BulkUpdate
import Foundation
import Planner

/// The planner benchmark: plan a generated change list of N rows (default 100,000) against an org
/// of N configs, through the two ways a plan gets its configs:
///
/// - `snapshot`: `bulk-update plan --snapshot FILE` (the change list and the saved state read from
///   files, then ``PlanBuilder/build(changes:snapshot:options:org:baseURL:)``);
/// - `pages`: `apply` and online `plan` (the configs decoded from the list sweep's pages by the
///   client's own decoder, then the same build).
///
/// Each run is a child process of its own (so its peak RSS is its own), the two paths in turn;
/// the medians and the spread are printed at the end.
///
/// `swift run -c release Benchmarks planner [--rows N] [--runs N] [--path snapshot|pages|both] [--keep DIR]`
enum PlannerBenchmark {
    static func run(_ arguments: [String]) async throws {
        var rows = 100_000
        var runs = 5
        var paths = ["snapshot", "pages"]
        var keep: String?
        var child: String?
        var index = 0
        while index < arguments.count {
            let value = index + 1 < arguments.count ? arguments[index + 1] : ""
            switch arguments[index] {
            case "--rows": rows = Int(value) ?? rows
            case "--runs": runs = Int(value) ?? runs
            case "--path": paths = value == "both" ? paths : [value]
            case "--keep": keep = value
            case "--child": child = value
            default:
                say("usage: Benchmarks planner [--rows N] [--runs N] [--path snapshot|pages|both] [--keep DIR]")
                exit(64)
            }
            index += 2
        }
        let directory =
            keep.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("planner-bench-\(UUID().uuidString)")
        let inputs = Inputs(directory: directory)
        if let child { return try await measure(path: child, inputs: inputs) }

        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { if keep == nil { try? FileManager.default.removeItem(at: directory) } }
        say(
            "planner benchmark: \(rows) rows against \(rows) configs (\(ProcessInfo.processInfo.activeProcessorCount) cores)"
        )
        if !inputs.exist(rows: rows) {
            var clock = Stopwatch()
            try generate(rows: rows, csv: inputs.csv, state: inputs.state, pages: inputs.pages)
            try Data(String(rows).utf8).write(to: inputs.rowsFile)
            say(String(format: "  generated inputs  %.2f s (not counted)", clock.lap()))
        }
        say(
            "  changes.csv \(megabytes(inputs.csv)), state.json \(megabytes(inputs.state)), pages \(megabytes(inputs.pages))"
        )
        var results: [String: [(seconds: Double, peakMB: Double)]] = [:]
        for round in 1...runs {
            for path in paths {
                let (line, result) = try runChild(path: path, directory: directory)
                say("  run \(round) \(path): \(line)")
                results[path, default: []].append(result)
            }
        }
        for path in paths {
            let times = (results[path] ?? []).map(\.seconds).sorted()
            let peaks = (results[path] ?? []).map(\.peakMB).sorted()
            guard let low = times.first, let high = times.last, let peak = peaks.last else { continue }
            say(
                String(
                    format: "  %-8@ median %.3f s (%.3f–%.3f s over %d runs), peak RSS median %.0f MB, max %.0f MB",
                    path, times[times.count / 2], low, high, times.count, peaks[peaks.count / 2], peak))
        }
    }

    /// Where the generated inputs are.
    struct Inputs {
        let directory: URL
        var csv: URL { directory.appendingPathComponent("changes.csv") }
        var state: URL { directory.appendingPathComponent("state.json") }
        var pages: URL { directory.appendingPathComponent("pages.jsonl") }
        var rowsFile: URL { directory.appendingPathComponent("rows") }

        /// Whether inputs of `rows` rows are there already (`--keep` of an earlier run).
        func exist(rows: Int) -> Bool {
            (try? String(contentsOf: rowsFile, encoding: .utf8)) == String(rows)
        }
    }

    /// Runs one measurement in a child process; its summary line and figures.
    static func runChild(path: String, directory: URL) throws -> (String, (seconds: Double, peakMB: Double)) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        process.arguments = ["planner", "--child", path, "--keep", directory.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let line = output.split(separator: "\n").last.map(String.init) ?? ""
        // "total 1.234 s ... peak 456 MB"
        let words = line.split(separator: " ")
        let seconds = words.firstIndex(of: "total").flatMap { Double(words[$0 + 1]) } ?? .nan
        let peak = words.firstIndex(of: "peak").flatMap { Double(words[$0 + 1]) } ?? .nan
        return (line, (seconds, peak))
    }

    /// One measurement (the child): read the change list and the configs, build the plan, as the
    /// commands do (`plan --snapshot` reads both files at once; `apply` reads the change list,
    /// then sweeps).
    static func measure(path: String, inputs: Inputs) async throws {
        // The pages are in memory before the clock starts, as the client holds a response body.
        let bodies =
            path == "pages"
            ? try Data(contentsOf: inputs.pages).split(separator: UInt8(ascii: "\n")).map { Data($0) } : []
        var clock = Stopwatch()
        let total = Stopwatch()
        let changes: ChangeList
        let snapshot: Snapshot
        let readChanges: Double
        let readConfigs: Double
        if path == "pages" {
            changes = try ChangeListReader.read(url: inputs.csv)
            readChanges = clock.lap()
            var configs: [IntegrationConfig] = []
            for body in bodies { configs += try M3terClient.configPage(from: body).configs }
            snapshot = Snapshot(configs: configs)
            readConfigs = clock.lap()
        } else {
            async let state = Self.timed { try Snapshot.read(url: inputs.state) }
            (changes, readChanges) = try Self.timed { try ChangeListReader.read(url: inputs.csv) }
            (snapshot, readConfigs) = try await state
            _ = clock.lap()
        }
        let result = PlanBuilder.build(changes: changes, snapshot: snapshot)
        let build = clock.lap()
        let reading = path == "pages" ? "" : " (at once)"
        let summary = PlanRenderer.Summary(result.plan)
        let problems = result.hasErrors || result.plan.items.count != changes.rows.count ? " UNEXPECTED" : ""
        say(
            String(
                format: "read changes %.3f s, read configs %.3f s%@, build %.3f s: total %.3f s (CPU %.3f s), "
                    + "%d items (%d update, %d enable-only, %d unchanged), peak %@%@",
                readChanges, readConfigs, reading, build, total.elapsed, total.elapsedCPU, result.plan.items.count,
                summary.update, summary.enableOnly, summary.unchanged, peakRSS(), problems))
    }

    /// The value of `body` and the seconds it took.
    static func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
        var clock = Stopwatch()
        let value = try body()
        return (value, clock.lap())
    }

    static func megabytes(_ url: URL) -> String {
        let bytes = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        return "\(bytes / 1_000_000) MB"
    }

    /// Prints a line at once (stdout is block-buffered when piped).
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// `VmHWM` from `/proc/self/status`.
    static func peakRSS() -> String { memory("VmHWM") }

    /// A `/proc/self/status` memory line (`VmHWM`, `VmRSS`) in MB.
    static func memory(_ key: String) -> String {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key) })
        else { return "unknown" }
        let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        return String(format: "%.0f MB", Double(kilobytes) / 1024)
    }

    /// Wall time, and CPU time (user + system, all threads) as the contention-free measure.
    struct Stopwatch {
        private var last = DispatchTime.now().uptimeNanoseconds
        private let start = DispatchTime.now().uptimeNanoseconds
        private var lastCPU = Stopwatch.cpuSeconds()
        private let startCPU = Stopwatch.cpuSeconds()
        /// CPU seconds of the last lap.
        private(set) var lapCPU = 0.0

        var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        var elapsedCPU: Double { Stopwatch.cpuSeconds() - startCPU }

        mutating func lap() -> Double {
            let now = DispatchTime.now().uptimeNanoseconds
            let cpu = Stopwatch.cpuSeconds()
            defer {
                last = now
                lapCPU = cpu - lastCPU
                lastCPU = cpu
            }
            return Double(now - last) / 1e9
        }

        static func cpuSeconds() -> Double {
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
                + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        }
    }

    /// A deterministic UUID for `number` in `space` (0: configs, 1: entities, 2: destinations, 3: credentials).
    static func uuid(_ number: Int, space: Int) -> String {
        let digits = Array("0123456789abcdef")
        var tail = ""
        var value = number
        for _ in 0..<12 {
            tail.append(digits[value & 0xF])
            value >>= 4
        }
        return "0000000\(space)-0000-4000-8000-" + String(tail.reversed())
    }

    /// Writes the inputs: a change list, a snapshot of the org, and the same configs as the list
    /// sweep's pages (one response body per line, 200 configs each, newest first as the API lists).
    static func generate(rows: Int, csv: URL, state: URL, pages: URL) throws {
        _ = FileManager.default.createFile(atPath: csv.path, contents: nil)
        _ = FileManager.default.createFile(atPath: state.path, contents: nil)
        _ = FileManager.default.createFile(atPath: pages.path, contents: nil)
        let csvHandle = try FileHandle(forWritingTo: csv)
        let stateHandle = try FileHandle(forWritingTo: state)
        let pagesHandle = try FileHandle(forWritingTo: pages)
        var page: [String] = []
        var csvOut = "id,integrationCredentialsId,configData.url,configData.apiToken,enabled,wave\r\n"
        var stateOut = "{\"data\":[\n"
        for number in 0..<rows {
            let id = uuid(number, space: 0)
            let credentials = uuid(number % 50, space: 3)
            var config = "{\"id\":\"\(id)\",\"version\":\(number % 7 + 1),\"entityType\":\"Bill\","
            config += "\"entityId\":\"\(uuid(number, space: 1))\",\"destination\":\"Webhook\","
            config += "\"destinationId\":\"\(uuid(number % 100, space: 2))\","
            config +=
                "\"configData\":{\"url\":\"https://hooks.example.com/\(number)\",\"apiToken\":\"tok-\(number)\","
            config += "\"retries\":3,\"headers\":{\"X-Team\":\"billing\"}},\"authorized\":true,"
            config += "\"enabled\":\(number % 10 == 0 ? "false" : "true"),\"triggerType\":\"EVENT\","
            config += "\"integrationCredentialsId\":\"\(credentials)\",\"name\":\"Integration \(number)\","
            config += "\"dtCreated\":\"2025-01-01T00:00:00Z\",\"dtLastModified\":\"2025-06-01T12:00:00Z\","
            config += "\"createdBy\":\"svc-setup\",\"lastModifiedBy\":\"svc-setup\"}"
            stateOut += (number == 0 ? "" : ",\n") + config
            page.append(config)
            if page.count == 200 || number == rows - 1 {
                let token = number == rows - 1 ? "" : ",\"nextToken\":\"page-\(number)\""
                pagesHandle.write(Data(("{\"data\":[" + page.joined(separator: ",") + "]" + token + "}\n").utf8))
                page.removeAll(keepingCapacity: true)
            }
            // Most rows rotate credentials and move the webhook; some only re-enable; some are no-ops.
            switch number % 10 {
            case 0: csvOut += "\(id),,,,true,0\r\n"
            case 1: csvOut += "\(id),\(credentials),https://hooks.example.com/\(number),,,0\r\n"
            case 2: csvOut += "\(id),\(uuid(number % 50 + 50, space: 3)),,\"tok-\(number)-new\",,1\r\n"
            default:
                csvOut +=
                    "\(id),\(uuid(number % 50 + 50, space: 3)),https://hooks.example.net/\(number),,,\(number % 3)\r\n"
            }
            if stateOut.utf8.count > 1 << 20 {
                stateHandle.write(Data(stateOut.utf8))
                stateOut.removeAll(keepingCapacity: true)
                csvHandle.write(Data(csvOut.utf8))
                csvOut.removeAll(keepingCapacity: true)
            }
        }
        stateOut += "\n]}\n"
        stateHandle.write(Data(stateOut.utf8))
        csvHandle.write(Data(csvOut.utf8))
        try stateHandle.close()
        try csvHandle.close()
        try pagesHandle.close()
    }
}
