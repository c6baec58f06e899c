import Foundation

/// A snapshot file kept as it is on disk: the mapped bytes, where each config object is, and a
/// table from id to config. Nothing is decoded until it is asked for, so a million configs cost
/// the index (about 40 bytes each), not a million decoded objects.
final class SnapshotIndex: @unchecked Sendable {
    let file: MappedFile
    /// Where each config and its id are, and the ``ConfigSpans/slotCount`` recorded offsets of
    /// each (see ``SnapshotScanner``): the configs `0..<split` in the first, the others in the
    /// second (the scan's two lanes, kept as they are rather than copied into one).
    private let first: (entries: [SnapshotScanner.Entry], spans: [Int32])
    private let second: (entries: [SnapshotScanner.Entry], spans: [Int32])
    private let split: Int
    /// Config index by id.
    private let table: IDTable

    /// Indexes the configs a scan found in `file`, in one or two `parts` (the ids' hashes,
    /// computed by the scan while their bytes were in cache, build the table without reading the
    /// file except to tell ids with equal tags apart).
    init(file: MappedFile, parts: [ScannedConfigs]) {
        precondition(parts.count <= 2)
        for part in parts {
            precondition(
                part.spans.count == part.count * ConfigSpans.slotCount && part.hashes.count == part.count)
        }
        self.file = file
        let empty = ScannedConfigs()
        let first = parts.first ?? empty
        let second = parts.count > 1 ? parts[1] : empty
        self.first = (first.entries, first.spans)
        self.second = (second.entries, second.spans)
        split = first.count
        let split = first.count
        let (firstEntries, secondEntries) = (first.entries, second.entries)
        table = IDTable(hashes: [first.hashes, second.hashes]) { a, b in
            Self.same(
                a < split ? firstEntries[a] : secondEntries[a - split],
                b < split ? firstEntries[b] : secondEntries[b - split], in: file.bytes)
        }
    }

    /// The entry of the config at `index`.
    @inline(__always)
    private func entry(_ index: Int) -> SnapshotScanner.Entry {
        index < split ? first.entries[index] : second.entries[index - split]
    }

    /// Where the object of the config at `index` starts (its `{`).
    func start(of index: Int) -> Int { entry(index).start }

    /// Where the object of the config at `index` ends (after its `}`).
    func end(of index: Int) -> Int { entry(index).end }

    var count: Int { split + second.entries.count }

    /// Whether the configs are kept in two parts (the scan read the file on two lanes).
    var isSplit: Bool { split > 0 && !second.entries.isEmpty }

    /// The config at `index`, decoded (the scan proved it valid, so decoding cannot fail).
    func config(at index: Int) -> IntegrationConfig {
        var parser = JSONParser(bytes: file.bytes, offset: entry(index).start)
        return (try? Snapshot.config(&parser))
            ?? IntegrationConfig(id: id(at: index), version: 0, entityType: "", destination: "")
    }

    /// Where the members the planner reads sit in the config at `index` (`nil`: a member repeats).
    func spans(at index: Int) -> ConfigSpans? {
        let start = entry(index).start
        if index < split {
            return first.spans.withUnsafeBufferPointer { all in
                ConfigSpans(
                    recorded: UnsafeBufferPointer(rebasing: all[(index * ConfigSpans.slotCount)...]), start: start)
            }
        }
        return second.spans.withUnsafeBufferPointer { all in
            ConfigSpans(
                recorded: UnsafeBufferPointer(rebasing: all[((index - split) * ConfigSpans.slotCount)...]), start: start
            )
        }
    }

    /// `config(at: index).value(of: field)?.stringValue`, read without decoding the config.
    func string(of field: ConfigField, at index: Int) -> String? {
        guard let spans = spans(at: index) else { return config(at: index).value(of: field)?.stringValue }
        let offset = spans.offset(of: field)
        var parser = JSONParser(bytes: file.bytes, offset: offset)
        let text = offset >= 0 && file.bytes[offset] == UInt8(ascii: "\"") ? try? parser.parseString() : nil
        return field.isRequired ? text ?? "" : text
    }

    /// The id of the config at `index`.
    func id(at index: Int) -> String {
        let entry = entry(index)
        return String(
            decoding: UnsafeRawBufferPointer(rebasing: file.bytes[entry.idStart..<(entry.idStart + entry.idLength)]),
            as: UTF8.self)
    }

    /// Whether `id` is, byte for byte, the id of the config at `index`.
    func isID(_ id: String, at index: Int) -> Bool {
        let entry = entry(index)
        guard id.utf8.count == entry.idLength else { return false }
        var id = id
        return id.withUTF8 { utf8 in
            Self.same(UnsafeRawBufferPointer(utf8), file.bytes.baseAddress.unsafelyUnwrapped + entry.idStart)
        }
    }

    /// The index of the config a change list's `id` names: the id as written, else lower-cased.
    func index(ofRowID id: String) -> Int? {
        match(ofRowID: id)?.index
    }

    /// ``index(ofRowID:)``, and whether the id matched as written (`exact`: the row's id string
    /// is then byte for byte the config's).
    func match(ofRowID id: String) -> (index: Int, exact: Bool)? {
        if let index = index(ofID: id) { return (index, true) }
        return index(ofID: id.lowercased()).map { ($0, false) }
    }

    /// ``match(ofRowID:)``, trying the config at `guess` first.
    ///
    /// A change list made from an export names the configs in the snapshot's order: the config
    /// after the one the previous row found is then the one, found by one comparison instead of a
    /// probe into a table of a million slots. Tried only when no id repeats in the snapshot (a
    /// repeated id's lookup finds the later config, which a guess could miss).
    func match(ofRowID id: String, tryingFirst guess: Int) -> (index: Int, exact: Bool)? {
        if guess >= 0, guess < count, !table.hasRepeatedIDs, isID(id, at: guess) { return (guess, true) }
        return match(ofRowID: id)
    }

    /// The index of the config with this id (exactly as written), if any.
    func index(ofID id: String) -> Int? {
        var id = id
        return id.withUTF8 { utf8 in
            let key = UnsafeRawBufferPointer(utf8)
            let bytes = file.bytes.baseAddress.unsafelyUnwrapped
            return table.index(ofHash: Self.hash(key)) { index in
                let entry = entry(index)
                return entry.idLength == key.count && Self.same(key, bytes + entry.idStart)
            }
        }
    }

    /// Whether two configs' ids are the same bytes.
    private static func same(
        _ a: SnapshotScanner.Entry, _ b: SnapshotScanner.Entry, in bytes: UnsafeRawBufferPointer
    ) -> Bool {
        guard a.idLength == b.idLength, let base = bytes.baseAddress else { return false }
        return same(UnsafeRawBufferPointer(start: base + a.idStart, count: a.idLength), base + b.idStart)
    }

    /// Whether `key` equals the `key.count` bytes at `other`.
    @inline(__always)
    private static func same(_ key: UnsafeRawBufferPointer, _ other: UnsafeRawPointer) -> Bool {
        guard let base = key.baseAddress else { return true }
        return RawBytes.equal(base, other, count: key.count)
    }

    /// A 64-bit hash of an id, eight bytes at a time, every bit of the result depending on every
    /// byte (not for adversaries: a table of one's own org's ids). The scan computes it for each
    /// config's id; lookups for the ids they search.
    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let count = bytes.count
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ (UInt64(truncatingIfNeeded: count) &* 0xC2B2_AE3D_27D4_EB4F)
        // (An empty id may come without an address: it hashes as any other empty id.)
        if let base = bytes.baseAddress {
            var index = 0
            while index + 8 <= count {
                hash = (hash ^ base.loadUnaligned(fromByteOffset: index, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
                hash ^= hash >> 29
                index += 8
            }
            if index < count {
                var tail: UInt64 = 0
                if count >= 8 {
                    // The last eight bytes (overlapping the words above), shifted to the unread ones.
                    tail =
                        base.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
                        >> UInt64((8 - (count - index)) * 8)
                } else {
                    while index < count {
                        tail = tail << 8 | UInt64(base.load(fromByteOffset: index, as: UInt8.self))
                        index += 1
                    }
                }
                hash = (hash ^ tail) &* 0xFF51_AFD7_ED55_8CCD
            }
        }
        // The finalizer of MurmurHash3 (fmix64).
        hash ^= hash >> 33
        hash &*= 0xC4CE_B9FE_1A85_EC53
        hash ^= hash >> 33
        hash &*= 0xFF51_AFD7_ED55_8CCD
        return hash ^ (hash >> 33)
    }
}
