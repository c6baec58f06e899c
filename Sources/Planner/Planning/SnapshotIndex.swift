import Foundation

/// A snapshot file kept as it is on disk: the mapped bytes, where each config object is, and a
/// table from id to config. Nothing is decoded until it is asked for, so a million configs cost
/// the index (about 40 bytes each), not a million decoded objects.
final class SnapshotIndex: @unchecked Sendable {
    let file: MappedFile
    /// Where each config and its id are.
    private let entries: [SnapshotScanner.Entry]
    /// ``ConfigSpans/slotCount`` recorded offsets per config (see ``SnapshotScanner``).
    private let spans: [Int32]
    /// Open addressing: config index + 1 (0: empty), capacity a power of two.
    private let table: [Int32]

    init(file: MappedFile, entries: [SnapshotScanner.Entry], spans: [Int32]) {
        precondition(spans.count == entries.count * ConfigSpans.slotCount)
        self.file = file
        self.spans = spans
        self.entries = entries
        var capacity = 16
        while capacity < entries.count * 2 { capacity <<= 1 }
        var table = [Int32](repeating: 0, count: capacity)
        let mask = capacity - 1
        let bytes = file.bytes
        for (index, entry) in entries.enumerated() {
            let id = UnsafeRawBufferPointer(rebasing: bytes[entry.idStart..<(entry.idStart + entry.idLength)])
            var slot = Int(truncatingIfNeeded: Self.hash(id)) & mask
            while table[slot] != 0 {
                let other = entries[Int(table[slot] - 1)]
                // A repeated id: the later config wins, as in a decoded snapshot's lookup.
                if Self.same(
                    id, UnsafeRawBufferPointer(rebasing: bytes[other.idStart..<(other.idStart + other.idLength)]))
                {
                    break
                }
                slot = (slot + 1) & mask
            }
            table[slot] = Int32(index + 1)
        }
        self.table = table
    }

    /// Where the object of the config at `index` starts (its `{`).
    func start(of index: Int) -> Int { entries[index].start }

    /// Where the object of the config at `index` ends (after its `}`).
    func end(of index: Int) -> Int { entries[index].end }

    var count: Int { entries.count }

    /// The config at `index`, decoded (the scan proved it valid, so decoding cannot fail).
    func config(at index: Int) -> IntegrationConfig {
        var parser = JSONParser(bytes: file.bytes, offset: entries[index].start)
        return (try? Snapshot.config(&parser))
            ?? IntegrationConfig(id: id(at: index), version: 0, entityType: "", destination: "")
    }

    /// Where the members the planner reads sit in the config at `index` (`nil`: a member repeats).
    func spans(at index: Int) -> ConfigSpans? {
        spans.withUnsafeBufferPointer { all in
            ConfigSpans(
                recorded: UnsafeBufferPointer(rebasing: all[(index * ConfigSpans.slotCount)...]),
                start: entries[index].start)
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
        let entry = entries[index]
        return String(
            decoding: UnsafeRawBufferPointer(rebasing: file.bytes[entry.idStart..<(entry.idStart + entry.idLength)]),
            as: UTF8.self)
    }

    /// Whether `id` is, byte for byte, the id of the config at `index`.
    func isID(_ id: String, at index: Int) -> Bool {
        let entry = entries[index]
        guard id.utf8.count == entry.idLength else { return false }
        var id = id
        return id.withUTF8 { utf8 in
            Self.same(
                UnsafeRawBufferPointer(utf8),
                UnsafeRawBufferPointer(rebasing: file.bytes[entry.idStart..<(entry.idStart + entry.idLength)]))
        }
    }

    /// The index of the config a change list's `id` names: the id as written, else lower-cased.
    func index(ofRowID id: String) -> Int? {
        index(ofID: id) ?? index(ofID: id.lowercased())
    }

    /// The index of the config with this id (exactly as written), if any.
    func index(ofID id: String) -> Int? {
        var id = id
        return id.withUTF8 { utf8 in
            let key = UnsafeRawBufferPointer(utf8)
            let mask = table.count - 1
            var slot = Int(truncatingIfNeeded: Self.hash(key)) & mask
            let bytes = file.bytes
            while table[slot] != 0 {
                let index = Int(table[slot] - 1)
                let entry = entries[index]
                if Self.same(
                    key, UnsafeRawBufferPointer(rebasing: bytes[entry.idStart..<(entry.idStart + entry.idLength)]))
                {
                    return index
                }
                slot = (slot + 1) & mask
            }
            return nil
        }
    }

    private static func same(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        guard let left = a.baseAddress, let right = b.baseAddress else { return true }
        return memcmp(left, right, a.count) == 0
    }

    /// A 64-bit hash of an id, eight bytes at a time (not for adversaries: a table of one's own
    /// org's ids).
    private static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        guard let base = bytes.baseAddress else { return hash }
        var index = 0
        while index + 8 <= bytes.count {
            hash = (hash ^ base.loadUnaligned(fromByteOffset: index, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            hash ^= hash >> 32
            index += 8
        }
        var tail: UInt64 = 0
        while index < bytes.count {
            tail = tail << 8 | UInt64(bytes[index])
            index += 1
        }
        hash = (hash ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        return hash ^ (hash >> 33)
    }
}
