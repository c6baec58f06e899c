import Foundation
import Planner

/// The planner benchmark: plan a generated 1,000,000-row change list against a 1,000,000-config
/// snapshot, and measure CSV parsing next to `wc -l` on the same file.
///
/// `swift run -c release Benchmarks planner [--rows N] [--keep DIR] [--alone] [--snapshot-only]`
/// (`--snapshot-only`: only snapshot reads and id lookups, each timed on its own).
enum PlannerBenchmark {
    static func run(_ arguments: [String]) async throws {
        var rows = 1_000_000
        var keep: String?
        var alone = false
        var snapshotOnly = false
        var index = 0
        while index < arguments.count {
            switch arguments[index] {
            case "--rows":
                index += 1
                rows = Int(arguments[index]) ?? rows
            case "--keep":
                index += 1
                keep = arguments[index]
            case "--alone":
                alone = true
            case "--snapshot-only":
                snapshotOnly = true
            default:
                say("usage: Benchmarks planner [--rows N] [--keep DIR] [--alone] [--snapshot-only]")
                exit(64)
            }
            index += 1
        }
        let directory =
            keep.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("planner-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { if keep == nil { try? FileManager.default.removeItem(at: directory) } }
        let csv = directory.appendingPathComponent("changes.csv")
        let state = directory.appendingPathComponent("state.json")

        say(
            "planner benchmark: \(rows) rows against \(rows) configs (\(ProcessInfo.processInfo.activeProcessorCount) cores)"
        )
        var clock = Stopwatch()
        if !FileManager.default.fileExists(atPath: csv.path) || !FileManager.default.fileExists(atPath: state.path) {
            try generate(rows: rows, csv: csv, state: state)
            say(String(format: "  generated inputs        %7.2f s  (not counted)", clock.lap()))
        }
        let csvBytes = (try FileManager.default.attributesOfItem(atPath: csv.path)[.size] as? Int) ?? 0
        let stateBytes = (try FileManager.default.attributesOfItem(atPath: state.path)[.size] as? Int) ?? 0
        say("  changes.csv \(csvBytes / 1_000_000) MB, state.json \(stateBytes / 1_000_000) MB")
        if snapshotOnly {
            try snapshotIndexing(state: state)
            return
        }

        _ = clock.lap()
        let wc = Process()
        wc.executableURL = URL(fileURLWithPath: "/usr/bin/wc")
        wc.arguments = ["-l", csv.path]
        wc.standardOutput = FileHandle.nullDevice
        try wc.run()
        wc.waitUntilExit()
        let wcTime = clock.lap()
        say("  load average \((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.prefix(14) ?? "?")")
        say(
            String(format: "  wc -l changes.csv       %7.3f s  (%6.0f MB/s)", wcTime, Double(csvBytes) / wcTime / 1e6))

        var records = 0
        _ = clock.lap()
        let mapped = try MappedFile(url: csv)
        var reader = CSVReader(bytes: mapped.bytes)
        while let record = try reader.next() { records += record.fields.count > 0 ? 1 : 0 }
        let parseTime = clock.lap()
        let parseCPU = clock.lapCPU
        say(
            String(
                format: "  CSV parse (fields only)  %7.3f s  (CPU %.3f s, %6.0f MB/s, %.0f rows/s)", parseTime,
                parseCPU,
                Double(csvBytes) / parseTime / 1e6, Double(records) / parseTime))

        if alone {
            // Each input on its own, for CPU figures free of the other's contention.
            _ = clock.lap()
            let list = try ChangeListReader.read(url: csv)
            say(String(format: "  alone: read + validate CSV %7.3f s  (CPU %.3f s)", clock.lap(), clock.lapCPU))
            let snapshot = try Snapshot.read(url: state)
            say(String(format: "  alone: read snapshot       %7.3f s  (CPU %.3f s)", clock.lap(), clock.lapCPU))
            _ = PlanBuilder.build(changes: list, snapshot: snapshot)
            say(String(format: "  alone: build               %7.3f s  (CPU %.3f s)", clock.lap(), clock.lapCPU))
        }
        let total = Stopwatch()
        let windowStart = monotonicSeconds()
        var faults = Stopwatch.minorFaults()
        func faultLap() -> Int {
            let now = Stopwatch.minorFaults()
            defer { faults = now }
            return now - faults
        }
        _ = clock.lap()
        // Both inputs are read concurrently, one core each (a caller with both files can do the same).
        // (As `bulk-update plan` does: the snapshot on a thread of its own.)
        let readSnapshot = DedicatedThread { Result { try Self.timed { try Snapshot.read(url: state) } } }
        let (list, readTime) = try Self.timed { try ChangeListReader.read(url: csv) }
        let (snapshot, snapshotTime) = try readSnapshot.wait().get()
        say(
            String(
                format: "  read + validate CSV     %7.3f s  (%.0f rows/s)", readTime, Double(list.rows.count) / readTime
            ))
        say(
            String(
                format: "  read snapshot           %7.3f s  (%.0f configs/s, %6.0f MB/s)", snapshotTime,
                Double(snapshot.count) / snapshotTime, Double(stateBytes) / snapshotTime / 1e6))
        let bothTime = clock.lap()
        say(
            String(format: "  both, concurrently      %7.3f s  (CPU %.3f s)", bothTime, clock.lapCPU)
                + "  faults \(faultLap())  RSS \(memory("VmRSS")) (anon \(memory("RssAnon")), file \(memory("RssFile")))"
        )
        let result = PlanBuilder.build(changes: list, snapshot: snapshot)
        let buildTime = clock.lap()
        say(
            String(format: "  resolve + merge + diff  %7.3f s  (CPU %.3f s)", buildTime, clock.lapCPU)
                + "  faults \(faultLap())  RSS \(memory("VmRSS")) (anon \(memory("RssAnon")), file \(memory("RssFile")))"
        )
        let wall = total.elapsed
        let cpu = total.elapsedCPU
        let summary = PlanRenderer.Summary(result.plan)
        say(
            String(
                format:
                    "  plan total              %7.3f s  (CPU %.3f s; %.0f rows/s): %d items "
                    + "(%d update, %d enable-only, %d unchanged)",
                wall, cpu, Double(list.rows.count) / wall, result.plan.items.count, summary.update, summary.enableOnly,
                summary.unchanged))
        if ProcessInfo.processInfo.environment["BENCH_PERF_WINDOW"] != nil {
            // For `perf record -k CLOCK_MONOTONIC` and `perf report --time START,END`: the timed part.
            say(String(format: "  perf window %.6f,%.6f", windowStart, monotonicSeconds()))
        }
        if ProcessInfo.processInfo.environment["BENCH_PLAN_ONLY"] != nil {
            say("  peak RSS                \(peakRSS())")
            // Without freeing a million items (as `bulk-update plan` ends), which nothing measures.
            exit(0)
        }
        _ = clock.lap()
        let again = PlanEncoding.fingerprint(of: result.plan.items)
        say(
            String(
                format: "  (of which encode + hash %7.3f s  (CPU %.3f s), measured again)", clock.lap(), clock.lapCPU)
                + (again == result.plan.fingerprint ? "" : "  FINGERPRINT MISMATCH"))
        try PlanFile.write(result.plan, to: directory.appendingPathComponent("plan.json"))
        let writeTime = clock.lap()
        say(String(format: "  write plan file         %7.3f s  (CPU %.3f s)", writeTime, clock.lapCPU))
        if ProcessInfo.processInfo.environment["BENCH_READ_PLAN"] != nil {
            _ = clock.lap()
            let read = try PlanFile.read(from: directory.appendingPathComponent("plan.json"))
            say(
                String(format: "  read plan file back     %7.3f s  (CPU %.3f s)", clock.lap(), clock.lapCPU)
                    + " \(read.items.count) items")
        }
        say("  peak RSS                \(peakRSS())")
        if result.hasErrors || result.plan.items.count != rows {
            say("  UNEXPECTED: \(result.diagnostics.prefix(3))")
        }
    }

    /// `--snapshot-only`: reads (indexes) the snapshot three times, then looks every config's id up
    /// three times (on every core, as planning does), each timed on its own.
    static func snapshotIndexing(state: URL) throws {
        say("  load average \((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.prefix(14) ?? "?")")
        var clock = Stopwatch()
        var snapshot: Snapshot?
        for _ in 0..<3 {
            snapshot = nil
            _ = clock.lap()
            let read = try Snapshot.read(url: state)
            say(
                String(format: "  read snapshot           %7.3f s  (CPU %.3f s)", clock.lap(), clock.lapCPU)
                    + "  RSS \(memory("VmRSS"))")
            snapshot = read
        }
        guard let snapshot else { return }
        let ids = (0..<snapshot.count).map(snapshot.id(at:))
        for _ in 0..<3 {
            _ = clock.lap()
            let found = snapshot.indices(ofIDs: ids)
            let wall = clock.lap()
            let cpu = clock.lapCPU
            let wrong = found.indices.filter { found[$0] != $0 }.count
            say(
                String(format: "  look up %d ids       %7.3f s  (CPU %.3f s)", ids.count, wall, cpu)
                    + "  RSS \(memory("VmRSS"))" + (wrong == 0 ? "" : "  \(wrong) WRONG"))
        }
        say("  peak RSS                \(peakRSS())")
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

    /// `CLOCK_MONOTONIC` in seconds (perf's clock with `-k CLOCK_MONOTONIC`).
    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    static func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
        var watch = Stopwatch()
        let value = try body()
        return (value, watch.lap())
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

        /// Page faults (minor: memory first touched, or file pages mapped) so far.
        static func minorFaults() -> Int {
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            return usage.ru_minflt
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

    static func generate(rows: Int, csv: URL, state: URL) throws {
        _ = FileManager.default.createFile(atPath: csv.path, contents: nil)
        _ = FileManager.default.createFile(atPath: state.path, contents: nil)
        let csvHandle = try FileHandle(forWritingTo: csv)
        let stateHandle = try FileHandle(forWritingTo: state)
        var csvOut = "id,integrationCredentialsId,configData.url,configData.apiToken,enabled,wave\r\n"
        var stateOut = "{\"data\":[\n"
        for number in 0..<rows {
            let id = uuid(number, space: 0)
            let credentials = uuid(number % 50, space: 3)
            stateOut += number == 0 ? "" : ",\n"
            stateOut += "{\"id\":\"\(id)\",\"version\":\(number % 7 + 1),\"entityType\":\"Bill\","
            stateOut += "\"entityId\":\"\(uuid(number, space: 1))\",\"destination\":\"Webhook\","
            stateOut += "\"destinationId\":\"\(uuid(number % 100, space: 2))\","
            stateOut +=
                "\"configData\":{\"url\":\"https://hooks.example.com/\(number)\",\"apiToken\":\"tok-\(number)\","
            stateOut += "\"retries\":3,\"headers\":{\"X-Team\":\"billing\"}},\"authorized\":true,"
            stateOut += "\"enabled\":\(number % 10 == 0 ? "false" : "true"),\"triggerType\":\"EVENT\","
            stateOut += "\"integrationCredentialsId\":\"\(credentials)\",\"name\":\"Integration \(number)\","
            stateOut += "\"dtCreated\":\"2025-01-01T00:00:00Z\",\"dtLastModified\":\"2025-06-01T12:00:00Z\","
            stateOut += "\"createdBy\":\"svc-setup\",\"lastModifiedBy\":\"svc-setup\"}"
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
    }
}
