import BulkUpdate
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The journal benchmark suite: `swift run -c release Benchmarks journal [options]`.
///
/// (a) replay: reads a journal of `--records` records (default 1,000,000) back with `JournalReader`;
/// (b) cost: `--producers` tasks (16) append `--rate` outcomes/s (1,000) in total for `--seconds` (10),
/// once with fdatasync and once without, and compare achieved rate, append latency and CPU time;
/// (c) saturation: the same producers append as fast as they can for 2 s, with and without fdatasync.
/// `--only replay` runs (a) alone.
enum JournalBenchmark {
    static func run(_ arguments: [String]) async throws {
        let records = option("--records", in: arguments) ?? 1_000_000
        let seconds = option("--seconds", in: arguments) ?? 10
        let rate = option("--rate", in: arguments) ?? 1000
        let producers = option("--producers", in: arguments) ?? 16
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("journal-bench-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let only = arguments.firstIndex(of: "--only").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
        if only == nil || only == "replay" { try await replay(records: records, directory: directory) }
        if only == "replay" { return }
        var paced: [Bool: Phase] = [:]
        for fsync in [true, false] {
            let phase = try await pacedAppends(
                fsync: fsync, rate: rate, duration: seconds, producers: producers, directory: directory)
            paced[fsync] = phase
            print(
                "paced fsync=\(fsync ? "on " : "off"): \(phase.records) records in \(format(phase.elapsed)) s = "
                    + "\(format(phase.rate)) /s (target \(rate)); append latency p50 \(format(phase.p50 * 1000)) ms, "
                    + "p99 \(format(phase.p99 * 1000)) ms, max \(format(phase.max * 1000)) ms; CPU "
                    + "\(format(phase.cpu * 100 / phase.elapsed)) %; \(phase.flushes) write batches")
        }
        if let on = paced[true], let off = paced[false] {
            let cost = (off.rate - on.rate) / off.rate * 100
            print("throughput cost of fdatasync at \(rate)/s: \(format(cost)) % (target <= 5 %)")
        }
        for fsync in [true, false] {
            let phase = try await saturation(fsync: fsync, producers: producers, directory: directory)
            print(
                "saturated fsync=\(fsync ? "on " : "off"): \(format(phase.rate)) records/s with \(producers) producers, "
                    + "\(format(Double(phase.records) / Double(max(phase.flushes, 1)))) records per write batch")
        }
    }

    private struct Phase {
        var records: Int
        var elapsed: Double
        var rate: Double { Double(records) / elapsed }
        var p50: Double
        var p99: Double
        var max: Double
        var cpu: Double
        var flushes: Int
    }

    private static func replay(records: Int, directory: URL) async throws {
        let url = directory.appendingPathComponent("replay.jsonl")
        let header = JournalHeader(planFingerprint: "bench", toolVersion: "bench", startedAt: Date())
        let writer = try JournalWriter.open(url: url, header: header, fsync: false)
        let start = Date()
        let generateClock = ContinuousClock.now
        var batch: [ItemOutcome] = []
        batch.reserveCapacity(10_000)
        for index in 0..<records {
            batch.append(outcome(index, start: start))
            if batch.count == 10_000 {
                try await writer.append(contentsOf: batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        try await writer.append(contentsOf: batch)
        try await writer.close()
        let size = (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? 0
        print(
            "generated \(records) records (\(size / 1_048_576) MiB) in "
                + "\(format(seconds(since: generateClock))) s")
        var best = Double.infinity
        var bestCPU = Double.infinity
        var count = 0
        for _ in 0..<3 {
            let clock = ContinuousClock.now
            let cpu = cpuSeconds()
            let contents = try JournalReader.read(url)
            best = min(best, seconds(since: clock))
            bestCPU = min(bestCPU, cpuSeconds() - cpu)
            count = contents.outcomes.count
        }
        print(
            "replay: \(count) records in \(format(best)) s wall, \(format(bestCPU)) s CPU (best of 3) = "
                + "\(format(Double(count) / best)) records/s (target <= 2 s for 1,000,000); load average "
                + loadAverage())
    }

    private static func outcome(_ index: Int, start: Date) -> ItemOutcome {
        let statuses: [OutcomeStatus] = [.applied, .applied, .applied, .unchanged, .conflict, .failed]
        let status = statuses[index % statuses.count]
        return ItemOutcome(
            id: String(format: "%08x-0000-4000-8000-%012x", index % 250_000, index), status: status,
            versionBefore: Int64(index % 40), versionAfter: Int64(index % 40 + 1), attempts: 1 + index % 3,
            httpStatus: status == .failed ? 503 : 200,
            message: status == .conflict ? "config moved from version 3 to 5; 'name' was changed by someone else" : nil,
            reconciled: index % 50 == 0, time: start.addingTimeInterval(Double(index) / 1000))
    }

    private static func pacedAppends(
        fsync: Bool, rate: Int, duration: Int, producers: Int, directory: URL
    ) async throws -> Phase {
        let url = directory.appendingPathComponent("paced-\(fsync).jsonl")
        let writer = try JournalWriter.open(
            url: url, header: JournalHeader(planFingerprint: "bench", toolVersion: "bench", startedAt: Date()),
            fsync: fsync)
        let total = rate * duration
        let clock = ContinuousClock()
        let start = clock.now
        let cpuStart = cpuSeconds()
        let interval = Duration.seconds(1) / rate
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for producer in 0..<producers {
                group.addTask {
                    var latencies: [Double] = []
                    for index in stride(from: producer, to: total, by: producers) {
                        try await clock.sleep(until: start + interval * index)
                        let before = clock.now
                        try await writer.append(outcome(index, start: Date()))
                        latencies.append(seconds(clock.now - before))
                    }
                    return latencies
                }
            }
            var all: [Double] = []
            for try await part in group { all += part }
            return all.sorted()
        }
        let elapsed = seconds(clock.now - start)
        let cpu = cpuSeconds() - cpuStart
        let flushes = await writer.statistics.flushes
        try await writer.close()
        func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
        return Phase(
            records: latencies.count, elapsed: elapsed, p50: percentile(0.5), p99: percentile(0.99),
            max: latencies.last ?? 0, cpu: cpu, flushes: flushes)
    }

    private static func saturation(fsync: Bool, producers: Int, directory: URL) async throws -> Phase {
        let url = directory.appendingPathComponent("saturated-\(fsync).jsonl")
        let writer = try JournalWriter.open(
            url: url, header: JournalHeader(planFingerprint: "bench", toolVersion: "bench", startedAt: Date()),
            fsync: fsync)
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(2)
        let start = clock.now
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for producer in 0..<producers {
                group.addTask {
                    var count = 0
                    while clock.now < deadline {
                        try await writer.append(outcome(producer * 10_000_000 + count, start: Date()))
                        count += 1
                    }
                    return count
                }
            }
            var total = 0
            for try await count in group { total += count }
            return total
        }
        let elapsed = seconds(clock.now - start)
        let flushes = await writer.statistics.flushes
        try await writer.close()
        return Phase(records: counts, elapsed: elapsed, p50: 0, p99: 0, max: 0, cpu: 0, flushes: flushes)
    }

    private static func option(_ name: String, in arguments: [String]) -> Int? {
        guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
        return Int(arguments[index + 1])
    }

    private static func cpuSeconds() -> Double {
        var usage = rusage()
        #if canImport(Glibc)
            getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
            getrusage(RUSAGE_SELF, &usage)
        #endif
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1_000_000
    }

    private static func loadAverage() -> String {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3)
            .joined(separator: " ") ?? "unknown"
    }

    private static func seconds(since start: ContinuousClock.Instant) -> Double { seconds(ContinuousClock.now - start) }

    private static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    private static func format(_ value: Double) -> String { String(format: "%.4g", value) }
}
