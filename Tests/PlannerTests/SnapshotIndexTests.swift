import Foundation
import TestSupport
import Testing

@testable import Planner

/// The snapshot file's index: the id table (tags, collisions, repeated and absent ids), the id
/// hash, and the validating scan's string and member-name fast paths against their references.
@Suite("Snapshot index")
struct SnapshotIndexTests {
    /// An id table over `ids` with the given hashes (as the scan would compute them, or forced).
    static func table(_ ids: [String], hashes: [[UInt64]]) -> IDTable {
        IDTable(hashes: hashes) { ids[$0] == ids[$1] }
    }

    static func lookup(_ id: String, in table: IDTable, ids: [String], hash: UInt64) -> Int? {
        table.index(ofHash: hash) { ids[$0] == id }
    }

    /// Forced hashes: every id the same hash (one run of probes, each a tag match); the same tag
    /// and different first slots; different tags and the same first slot (the last one, so probes
    /// wrap around).
    static func forcedHash(_ kind: Int, _ index: Int) -> UInt64 {
        switch kind {
        case 0: 0x1234_5678_0000_0007
        case 1: 0xABCD_0000_0000_0000 | UInt64(index * 3)
        default: UInt64(index + 1) << 32 | 0xFFFF_FFFF
        }
    }

    @Test("ids whose hashes share a tag, a first slot or both are told apart by their bytes", arguments: 0..<3)
    func collisions(kind: Int) {
        let ids = (0..<50).map { "id-\($0)" }
        let hashes = ids.indices.map { Self.forcedHash(kind, $0) }
        let table = Self.table(ids, hashes: [Array(hashes[..<20]), Array(hashes[20...])])
        for (index, id) in ids.enumerated() {
            #expect(Self.lookup(id, in: table, ids: ids, hash: hashes[index]) == index)
        }
        // Absent ids, with a hash of a present one or of none.
        #expect(Self.lookup("id-x", in: table, ids: ids, hash: hashes[7]) == nil)
        #expect(Self.lookup("id-7", in: table, ids: ids, hash: hashes[7] ^ 0x0000_0001_0000_0000) == nil)
    }

    @Test("a repeated id is found at its last config, whatever lies between")
    func repeated() {
        let ids = ["a", "b", "a", "c", "a", "b"]
        // The same hash for all: "a" and "b" share a tag and a probe run.
        let table = Self.table(ids, hashes: [ids.map { _ in 42 }])
        #expect(Self.lookup("a", in: table, ids: ids, hash: 42) == 4)
        #expect(Self.lookup("b", in: table, ids: ids, hash: 42) == 5)
        #expect(Self.lookup("c", in: table, ids: ids, hash: 42) == 3)
        #expect(Self.lookup("d", in: table, ids: ids, hash: 42) == nil)
        #expect(table.hasRepeatedIDs)
        #expect(!Self.table(["a", "b", "c"], hashes: [[42, 42, 42]]).hasRepeatedIDs)
    }

    @Test(
        "an empty table and large ones (filled on two lanes, on huge pages where offered) find the last config of each id",
        arguments: [0, 1_000, 140_000])
    func sizes(count: Int) {
        // The last 1,000 ids repeat earlier ones.
        let ids = (0..<count).map { String(format: "00000000-0000-4000-8000-%012x", $0 % max(count - 1_000, 1)) }
        let hashes = ids.map(Self.hash)
        let table = Self.table(ids, hashes: [Array(hashes[..<(count / 3)]), Array(hashes[(count / 3)...])])
        var last: [String: Int] = [:]
        for (index, id) in ids.enumerated() { last[id] = index }
        var wrong = 0
        for (index, id) in ids.enumerated() where Self.lookup(id, in: table, ids: ids, hash: hashes[index]) != last[id]
        {
            wrong += 1
        }
        #expect(wrong == 0)
        #expect(Self.lookup("absent", in: table, ids: ids, hash: Self.hash("absent")) == nil)
        // Told by both lanes: the repeats are in either half of the table.
        #expect(table.hasRepeatedIDs == (count > 1))
        let distinct = Array(ids.prefix(max(count - 1_000, 0)))
        #expect(!Self.table(distinct, hashes: [distinct.map(Self.hash)]).hasRepeatedIDs)
    }

    static func hash(_ text: String) -> UInt64 {
        Array(text.utf8).withUnsafeBytes { SnapshotIndex.hash($0) }
    }

    @Test("the id hash depends on every byte and the length, wherever the bytes lie")
    func hash() {
        var seen: Set<UInt64> = []
        var inputs = 0
        for length in 0..<40 {
            let base = [UInt8](repeating: UInt8(ascii: "0"), count: length)
            inputs += 1
            seen.insert(base.withUnsafeBytes { SnapshotIndex.hash($0) })
            for position in 0..<length {
                var changed = base
                changed[position] = UInt8(ascii: "1")
                inputs += 1
                seen.insert(changed.withUnsafeBytes { SnapshotIndex.hash($0) })
                // The same bytes at an odd address hash the same.
                let shifted = ([0] + changed).withUnsafeBytes {
                    SnapshotIndex.hash(UnsafeRawBufferPointer(rebasing: $0[1...]))
                }
                #expect(shifted == changed.withUnsafeBytes { SnapshotIndex.hash($0) })
            }
        }
        #expect(seen.count == inputs)
    }

    @Test("a snapshot file's lookups: repeated ids, absent ids, ids as written else lower-cased")
    func lookups() throws {
        let text = """
            [{"id":"A-1","name":"first"},{"id":"b-2"},{"id":"a-1","name":"lower"},{"id":"A-1","name":"again"},
             {"id":"c-3"}]
            """
        let snapshot = try Snapshot.decode(Data(text.utf8))
        guard case .indexed(let index) = snapshot.storage else {
            Issue.record("the snapshot was not indexed")
            return
        }
        #expect(index.index(ofID: "A-1") == 3)
        #expect(index.index(ofID: "a-1") == 2)
        #expect(index.index(ofRowID: "B-2") == 1)
        #expect(index.index(ofID: "B-2") == nil)
        #expect(index.index(ofRowID: "d-4") == nil)
        #expect(index.index(ofID: "") == nil)
        let withEmpty = try Snapshot.decode(Data("[{\"id\":\"a\"},{\"id\":\"\"}]".utf8))
        #expect(withEmpty.indices(ofIDs: ["", "a"]) == [1, 0])
        #expect(
            [UInt8]().withUnsafeBytes { SnapshotIndex.hash($0) }
                == SnapshotIndex.hash(UnsafeRawBufferPointer(start: nil, count: 0)))
        #expect(index.isID("c-3", at: 4))
        #expect(!index.isID("c-4", at: 4))
        #expect(snapshot.indices(ofIDs: ["c-3", "A-1", "x", "B-2"]) == [4, 3, nil, 1])
        #expect(Snapshot(configs: snapshot.configs).indices(ofIDs: ["c-3", "A-1", "x", "B-2"]) == [4, 3, nil, 1])
    }

    @Test("ids looked up on two lanes equal those looked up on one")
    func lanes() throws {
        let ids = (0..<20_000).map { String(format: "%08x-0000-4000-8000-000000000000", $0 % 15_000) }
        let text = "[" + ids.map { "{\"id\":\"\($0)\"}" }.joined(separator: ",") + "]"
        let snapshot = try Snapshot.decode(Data(text.utf8))
        let wanted = ids.prefix(16_000).map { $0.uppercased() } + ["absent"]
        let found = snapshot.indices(ofIDs: wanted)
        let reference = Snapshot(configs: snapshot.configs).indices(ofIDs: wanted)
        #expect(found == reference)
        #expect(found.first == 15_000)
        #expect(found.last == .some(nil))
    }

    @Test("an index kept in two lanes' parts answers as the one-lane index does, and plans the same")
    func twoParts() throws {
        let count = 3_000
        let id = { (number: Int) in String(format: "00000000-0000-4000-8000-%012x", number % 2_900) }
        let configs = (0..<count).map { number in
            "{\"id\":\"\(id(number))\",\"version\":\(number % 5),\"entityType\":\"Bill\",\"destination\":\"Webhook\","
                + "\"name\":\"n\(number)\",\"configData\":{\"url\":\"u\(number)\"}"
                + (number % 97 == 0 ? ",\"name\":\"again\"}" : "}")
        }
        let data = Data(("[" + configs.joined(separator: ",\n") + "]").utf8)
        let one = try Snapshot.decode(MappedFile(data: data), name: "s", parallelAbove: .max)
        let two = try Snapshot.decode(MappedFile(data: data), name: "s", parallelAbove: 0)
        guard case .indexed(let a) = one.storage, case .indexed(let b) = two.storage else {
            Issue.record("the snapshot was not indexed")
            return
        }
        #expect(a.count == count && b.count == count)
        #expect(!a.isSplit)
        #expect(b.isSplit || ProcessInfo.processInfo.activeProcessorCount < 2)
        var differences = 0
        for index in 0..<count {
            let same =
                a.start(of: index) == b.start(of: index) && a.end(of: index) == b.end(of: index)
                && a.id(at: index) == b.id(at: index) && a.spans(at: index) == b.spans(at: index)
                && a.index(ofID: a.id(at: index)) == b.index(ofID: b.id(at: index))
                && a.string(of: .name, at: index) == b.string(of: .name, at: index)
            if !same { differences += 1 }
        }
        #expect(differences == 0)
        // A repeated id (the last 100 configs repeat the first 100) is found at its last config,
        // across the lanes.
        #expect(b.index(ofID: id(5)) == 2_905)
        #expect(b.spans(at: 97) == nil)
        let rows = (0..<count).map { "{\"id\":\"\(id($0).uppercased())\",\"name\":\"m\($0 % 3)\"}" }
        let list = ChangeListReader.read(
            data: Data(rows.joined(separator: "\n").utf8), file: "c.jsonl", format: .jsonLines)
        let fast = PlanBuilder.build(changes: list, snapshot: two)
        let reference = PlanBuilder.build(changes: list, snapshot: Snapshot(configs: two.configs))
        #expect(fast.plan.items == reference.plan.items)
        #expect(fast.plan.fingerprint == reference.plan.fingerprint)
        #expect(fast.diagnostics == reference.diagnostics)
    }

    /// The scan's verdict on a string at the start of `bytes`: its end, or `nil`.
    static func scanned(_ bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBytes { raw in
            var scanner = SnapshotScanner(bytes: raw, offset: 0)
            return scanner.scanString().map { _ in scanner.offset }
        }
    }

    /// The full parser's verdict on the same string.
    static func parsed(_ bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBytes { raw in
            var parser = JSONParser(bytes: raw, offset: 0)
            return (try? parser.parseString()).map { _ in parser.offset }
        }
    }

    @Test("the word-wise string scan accepts and ends exactly where the full parser does", arguments: 0..<8)
    func strings(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let pieces: [[UInt8]] = [
            Array("a".utf8), Array("0123456789abcdef".utf8), Array("\\\"".utf8), Array("\\\\".utf8),
            Array("\\u00e9".utf8), Array("\\uZZ".utf8), Array("\\x".utf8), Array("é".utf8), Array("✓".utf8),
            [0xFF], [0xC3], [0x1F], [0x09], [0x7F], [0x20], Array("}".utf8),
        ]
        var disagreements: [[UInt8]] = []
        for _ in 0..<3_000 {
            var bytes: [UInt8] = [UInt8(ascii: "\"")]
            for _ in 0..<Int(random.next() % 12) {
                let piece = random.next() % 3 == 0 ? pieces[Int(random.next() % UInt64(pieces.count))] : pieces[1]
                bytes += piece.prefix(Int(random.next() % UInt64(piece.count)) + 1)
            }
            // Usually closed, sometimes followed by more text, sometimes cut off.
            if random.next() % 8 != 0 { bytes.append(UInt8(ascii: "\"")) }
            if random.next() % 2 == 0 { bytes += Array(",\"next\":1}".utf8) }
            if Self.scanned(bytes) != Self.parsed(bytes) { disagreements.append(bytes) }
            // The text read, plain or interned, is what Foundation's decoder reads.
            if let end = Self.parsed(bytes) {
                let reference = try? JSONDecoder().decode(String.self, from: Data(bytes[..<end]))
                var table = StringTable(slots: 4)
                let (plain, interned) = bytes.withUnsafeBytes { raw in
                    var parser = JSONParser(bytes: raw, offset: 0)
                    var again = JSONParser(bytes: raw, offset: 0)
                    return (try? parser.parseString(), try? again.parseString(interning: &table))
                }
                if plain != reference || interned != reference { disagreements.append(bytes) }
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(3))")
    }

    @Test("the first special byte of a word is found at its offset, whatever follows it")
    func specialBitsOffset() {
        var random = SplitMix64(seed: 7)
        let specials: [UInt8] = [0x22, 0x5C, 0x00, 0x1F, 0x0A, 0x80, 0xC3, 0xFF]
        for _ in 0..<5_000 {
            var bytes = (0..<8).map { _ in UInt8(0x20 + random.next() % 0x5F) }
            for position in 0..<8 where random.next() % 4 == 0 {
                bytes[position] = specials[Int(random.next() % UInt64(specials.count))]
            }
            let word = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            let isSpecial = { (byte: UInt8) in byte == 0x22 || byte == 0x5C || byte < 0x20 || byte >= 0x80 }
            let first = bytes.firstIndex(where: isSpecial) ?? 8
            #expect(SnapshotScanner.specialBits(word, 0x8080_8080_8080_8080).trailingZeroBitCount / 8 == first)
            // With non-ASCII bytes allowed, only quotes, backslashes and control characters count.
            let firstJSON = bytes.firstIndex(where: { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 }) ?? 8
            #expect(SnapshotScanner.specialBits(word, 0).trailingZeroBitCount / 8 == firstJSON)
        }
    }

    @Test("member names the planner reads map to their slots; near misses map to none")
    func slots() {
        let names = [
            "id", "version", "entityType", "entityId", "destination", "destinationId", "configData", "enabled",
            "integrationCredentialsId", "name",
        ]
        for (slot, name) in names.enumerated() {
            #expect(Array(name.utf8).withUnsafeBufferPointer { ConfigSpans.slot(of: $0) } == slot)
        }
        let misses = [
            "", "i", "ID", "iD", "nam", "Name", "namE", "versio", "versionX", "enabler", "entityid", "configdata",
            "entityTypes", "destinatioN", "destinationID", "integrationCredentialsID", "authorized", "triggerType",
            "dtCreated", "xd", "vame", "enabledd",
        ]
        for name in misses {
            #expect(Array(name.utf8).withUnsafeBufferPointer { ConfigSpans.slot(of: $0) } == nil, "\(name)")
        }
    }

    @Test(
        "the scan still declines what only the full decoder reads (or rejects), and indexes the rest",
        arguments: [
            ("[{\"id\":\"a\\u0062\"}]", false), ("[{\"i\\u0064\":\"a\"}]", false), ("[{\"id\":1}]", false),
            ("[1]", false), ("[{\"id\":\"a\"},]", false), ("[{\"id\":\"a\",\"v\":01}]", false),
            ("[{\"id\":\"a\",\"v\":\"\u{1}\"}]", false), ("[{\"id\":\"a\"} x", false), ("{\"data\":{}}", false),
            ("[{\"id\":\"a\",\"n\":tru}]", false), ("[{\"id\":\"a\",\"n\":[1,]}]", false),
            ("[{\"id\":\"é\",\"n\":\"✓\"}]", true),
            (" [ {\"id\" : \"a\" , \"version\":\t1e5} ,\n{\"id\":\"b\"} ] ", true),
            ("{\"next\":null,\"data\":[{\"id\":\"a\",\"id\":\"b\"}]}", true), ("[]", true),
            ("[{\"id\":\"a\",\"configData\":{\"k\":[{},[],\"\\n\",-0.5E-3,null,false]}}]", true),
        ])
    func declines(text: String, indexed: Bool) {
        let mapped = MappedFile(data: Data(text.utf8))
        #expect((Snapshot.index(mapped, parallelAbove: .max) != nil) == indexed, "\(text)")
    }

    @Test("invalid UTF-8 in a string is declined, valid non-ASCII text is indexed")
    func utf8() {
        for (bytes, indexed): ([UInt8], Bool) in [
            ([0xC3, 0xA9], true), ([0xC3], false), ([0xFF, 0x41], false), ([0xE2, 0x9C, 0x93], true),
        ] {
            let text = Array("[{\"id\":\"a\",\"name\":\"x".utf8) + bytes + Array("yz0123456789\"}]".utf8)
            let mapped = MappedFile(data: Data(text))
            #expect((Snapshot.index(mapped, parallelAbove: .max) != nil) == indexed, "\(bytes)")
        }
    }
}
