import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a journal back: for resume and for reports.
///
/// A torn last line (no trailing newline, or invalid JSON on the very last line) is what a crash
/// mid-write leaves behind: it is ignored and reported through ``JournalContents/tornTail``. Any
/// invalid line before the last one means the file was damaged and is an error naming the line.
public enum JournalReader {
    /// Reads the journal at `url`.
    ///
    /// - Parameter expectedFingerprint: when given, every header must name this plan.
    /// - Throws: ``JournalError``.
    public static func read(_ url: URL, expectedFingerprint: String? = nil) throws -> JournalContents {
        let path = url.path
        let fd: Int32
        do {
            fd = try DurableFiles.openFile(path, O_RDONLY)
        } catch let failure as DurableFiles.Failure {
            throw JournalError.unreadable(path: path, reason: failure.reason)
        }
        defer { DurableFiles.closeFile(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            throw JournalError.unreadable(path: path, reason: DurableFiles.errnoText())
        }
        let size = Int(status.st_size)
        guard size > 0 else {
            return try parse(UnsafeRawBufferPointer(start: nil, count: 0), path: path)
        }
        // Map the file rather than copy it: a million records are ~200 MiB.
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw JournalError.unreadable(path: path, reason: DurableFiles.errnoText())
        }
        defer { munmap(mapped, size) }
        return try parse(
            UnsafeRawBufferPointer(start: mapped, count: size), path: path, expectedFingerprint: expectedFingerprint)
    }

    /// Parses journal bytes (the whole file).
    static func parse(
        _ buffer: UnsafeRawBufferPointer, path: String, expectedFingerprint: String? = nil
    ) throws -> JournalContents {
        var headers: [JournalHeader] = []
        var outcomes: [ItemOutcome] = []
        var lastById: [String: ItemOutcome] = [:]
        var rates = RateHistory()
        outcomes.reserveCapacity(buffer.count / 180)
        lastById.reserveCapacity(buffer.count / 180)
        var tornTail = false
        var validLength = 0
        var start = 0
        var lineNumber = 0
        let count = buffer.count
        guard let base = buffer.baseAddress, count > 0 else {
            return JournalContents(headers: [], outcomes: [], lastOutcomeById: [:], tornTail: false, validLength: 0)
        }
        while start < count {
            lineNumber += 1
            let newline = memchr(base + start, 0x0A, count - start)
            let end = newline.map { base.distance(to: UnsafeRawPointer($0)) } ?? count
            let isLast = newline == nil || end + 1 >= count
            if newline == nil {
                // No trailing newline: the write never completed.
                tornTail = true
                break
            }
            var lineEnd = end
            if lineEnd > start, buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            let line = UnsafeRawBufferPointer(rebasing: buffer[start..<lineEnd])
            start = end + 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
                if isLast {
                    tornTail = true
                    break
                }
                throw JournalError.corruptLine(path: path, line: lineNumber, reason: "empty line")
            }
            let decoded: JournalCodec.Line
            do throws(JournalCodec.DecodeFailure) {
                decoded = try JournalCodec.decode(line)
            } catch {
                if isLast {
                    tornTail = true
                    break
                }
                throw JournalError.corruptLine(path: path, line: lineNumber, reason: error.reason)
            }
            switch decoded {
            case .header(let header):
                if headers.isEmpty, header.kind != .header {
                    throw JournalError.missingHeader(path: path)
                }
                guard header.formatVersion == JournalHeader.currentFormatVersion else {
                    throw JournalError.unsupportedFormatVersion(
                        path: path, line: lineNumber, version: header.formatVersion)
                }
                if let expected = expectedFingerprint ?? headers.first?.planFingerprint,
                    header.planFingerprint != expected
                {
                    throw JournalError.planMismatch(
                        path: path, line: lineNumber, expected: expected, found: header.planFingerprint)
                }
                headers.append(header)
                if let rate = header.options["rate"].flatMap(Double.init), rate.isFinite { rates.set(rate) }
            case .outcome(let outcome):
                guard !headers.isEmpty else { throw JournalError.missingHeader(path: path) }
                outcomes.append(outcome)
                lastById[outcome.id] = outcome
            case .rateChange(let change):
                guard !headers.isEmpty else { throw JournalError.missingHeader(path: path) }
                rates.record(change)
            }
            validLength = start
        }
        return JournalContents(
            headers: headers, outcomes: outcomes, lastOutcomeById: lastById, tornTail: tornTail,
            validLength: validLength, rateChanges: rates.changes, lastRate: rates.last,
            lastRunningRate: rates.lastRunning)
    }

    /// The rate changes of a journal that was written since byte `offset`, and the offset after
    /// the last complete line (where to read from next time); lines of other types are skipped.
    ///
    /// For `bulk-update rethrottle`, which waits for the running process to journal its request:
    /// it reads only what was appended, however long the journal. A missing file holds nothing yet.
    ///
    /// - Throws: ``JournalError/unreadable(path:reason:)``.
    public static func rateChanges(_ url: URL, after offset: Int) throws -> (changes: [RateChange], next: Int) {
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            if !FileManager.default.fileExists(atPath: url.path) { return ([], 0) }
            throw JournalError.unreadable(path: url.path, reason: reason(error))
        }
        defer { try? handle.close() }
        let data: Data
        do {
            let size = try handle.seekToEnd()
            // A writer that cut off a torn tail may have made the file shorter: read it all again.
            let start = UInt64(max(0, offset)) <= size ? UInt64(max(0, offset)) : 0
            try handle.seek(toOffset: start)
            data = try handle.readToEnd() ?? Data()
            guard let lastNewline = data.lastIndex(of: 0x0A) else { return ([], Int(start)) }
            var changes: [RateChange] = []
            for line in data[data.startIndex..<lastNewline].split(separator: 0x0A) {
                let decoded = line.withUnsafeBytes { try? JournalCodec.decode($0) }
                if case .rateChange(let change) = decoded { changes.append(change) }
            }
            return (changes, Int(start) + (lastNewline - data.startIndex) + 1)
        } catch {
            throw JournalError.unreadable(path: url.path, reason: reason(error))
        }
    }

    static func reason(_ error: any Error) -> String {
        if let cocoa = error as? CocoaError, let underlying = cocoa.userInfo[NSUnderlyingErrorKey] as? NSError,
            underlying.domain == NSPOSIXErrorDomain
        {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if let cocoa = error as? CocoaError {
            switch cocoa.code {
            case .fileReadNoSuchFile, .fileNoSuchFile: return "no such file"
            case .fileReadNoPermission: return "permission denied"
            default: break
            }
        }
        return error.localizedDescription
    }
}

/// The rate a journal ends at, followed line by line.
private struct RateHistory {
    var changes: [RateChange] = []
    var last: Double?
    var lastRunning: Double?

    /// A header's `rate` option: the rate that (resumed) run started at.
    mutating func set(_ rate: Double) {
        last = rate
        if rate > 0 { lastRunning = rate }
    }

    mutating func record(_ change: RateChange) {
        changes.append(change)
        if change.previousRate > 0 { lastRunning = change.previousRate }
        set(change.rate)
    }
}
