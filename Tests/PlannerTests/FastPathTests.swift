import Crypto
import Foundation
import TestSupport
import Testing

@testable import Planner

/// The planner's fast path (a snapshot file indexed where it lies, items built from the bytes a
/// change touches) against its reference (the decoded snapshot, items from decoded configs):
/// random snapshots and change lists must give the same plan, item for item, and the same
/// fingerprint.
@Suite("Plan fast path")
struct FastPathTests {
    /// A random snapshot (as JSON text, written the way an API or a person might) and change list.
    struct Case {
        var snapshot: String
        var changes: String
    }

    static let keys = ["url", "apiToken", "region", "auth", "password", "retries", "nested", "b", "a", "é"]

    static func scalar(_ random: inout SplitMix64) -> JSONValue {
        switch random.next() % 9 {
        case 0: .null
        case 1: .bool(random.next() % 2 == 0)
        case 2: .integer(Int64(random.next() % 2_000) - 1_000)
        case 3: .double(Double(random.next() % 1_000) / 8)
        case 4: .string("")
        case 5: .string("tok-\(random.next() % 5)")
        case 6: .string("line\nbreak \"quoted\" \\ é ✓")
        case 7: .array([.integer(1), .string("x"), .object(["password": .string("p")])])
        default: .string("https://hooks.example.com/\(random.next() % 4)")
        }
    }

    static func object(_ random: inout SplitMix64, depth: Int) -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for _ in 0..<Int(random.next() % 4) {
            let key = keys[Int(random.next() % UInt64(keys.count))]
            out[key] =
                depth < 2 && random.next() % 3 == 0 ? .object(object(&random, depth: depth + 1)) : scalar(&random)
        }
        return out
    }

    /// One member `"key":value` of a config, sometimes in a form only the full decoder reads.
    static func member(_ key: String, _ value: JSONValue, _ random: inout SplitMix64) -> String {
        let name = random.next() % 1_500 == 0 ? "\"\\u0069\(key.dropFirst())\"" : JSONValue.string(key).canonicalText
        let space = random.next() % 5 == 0 ? " \n\t" : ""
        return name + space + ":" + space + value.canonicalText
    }

    static func makeCase(seed: UInt64) -> Case {
        var random = SplitMix64(seed: seed)
        let count = 4 + Int(random.next() % 12)
        var ids = (0..<count).map { String(format: "%08x-0000-4000-8000-%012x", seed & 0xFFFF_FFFF, $0) }
        // Now and then two configs share an id (the later one is the one a lookup finds).
        if random.next() % 10 == 0 { ids[count - 1] = ids[0] }
        var configs: [String] = []
        for (index, id) in ids.enumerated() {
            var members: [String] = [member("id", .string(id), &random)]
            func maybe(_ key: String, _ value: @autoclosure () -> JSONValue) {
                switch random.next() % 8 {
                case 0: break
                case 1: members.append(member(key, .null, &random))
                case 2: members.append(member(key, .integer(7), &random))
                default: members.append(member(key, value(), &random))
                }
            }
            members.append(
                member("version", random.next() % 9 == 0 ? .double(4) : .integer(Int64(index % 5 + 1)), &random))
            maybe(
                "name", .string(random.next() % 2 == 0 ? "Integration \(index)" : "A longer integration name \(index)"))
            maybe("entityType", .string("Bill"))
            maybe("destination", .string(random.next() % 2 == 0 ? "Webhook" : "Stripe"))
            maybe("entityId", .string(ids[(index + 1) % count]))
            maybe("destinationId", .string(ids[(index + 2) % count]))
            maybe("integrationCredentialsId", .string(ids[(index + 3) % count]))
            maybe("enabled", .bool(random.next() % 2 == 0))
            maybe("configData", .object(object(&random, depth: 0)))
            members.append(member("dtCreated", .string("2025-01-01T00:00:00Z"), &random))
            if random.next() % 40 == 0 { members.append(member("name", .string("repeated"), &random)) }
            // Members in any order.
            for position in stride(from: members.count - 1, to: 0, by: -1) {
                members.swapAt(position, Int(random.next() % UInt64(position + 1)))
            }
            configs.append("{" + members.joined(separator: ",") + "}")
        }
        let snapshot =
            random.next() % 2 == 0
            ? "[" + configs.joined(separator: ",\n") + "]"
            : "{\"data\":[" + configs.joined(separator: ",") + "],\"nextToken\":null}"

        var records: [String] = []
        for _ in 0..<(1 + Int(random.next() % UInt64(count * 2))) {
            var record: [String: JSONValue] = ["id": .string(ids[Int(random.next() % UInt64(count))])]
            if random.next() % 8 == 0 {
                // A selector instead of an id (selected configs may then have several rows).
                let fields: [String: JSONValue] = [
                    "destination": .string(random.next() % 2 == 0 ? "Webhook" : "Stripe"),
                    "name": random.next() % 2 == 0 ? .string("\\N") : .string("Integration 3"),
                    "entityType": .string("Bill"),
                ]
                let chosen = fields.keys.sorted()[Int(random.next() % 3)]
                record = ["match": .object([chosen: fields[chosen] ?? .null])]
                if random.next() % 2 == 0 { record["match"] = .object(fields.filter { $0.key != chosen }) }
            }
            for _ in 0..<(1 + Int(random.next() % 3)) {
                switch random.next() % 10 {
                case 0: record["name"] = random.next() % 3 == 0 ? .null : .string("Renamed \(random.next() % 3)")
                case 1: record["integrationCredentialsId"] = .string(ids[Int(random.next() % UInt64(count))])
                case 2: record["destination"] = .string(random.next() % 2 == 0 ? "Webhook" : "Stripe")
                case 3: record["enabled"] = .bool(true)
                case 4: record["wave"] = .integer(Int64(random.next() % 3))
                case 5:
                    if record["id"] != nil { record["expectedVersion"] = .integer(Int64(random.next() % 6)) }
                case 6: record["configData"] = .object(object(&random, depth: 0))
                default:
                    let depth = 1 + Int(random.next() % 2)
                    let path = (0..<depth).map { _ in keys[Int(random.next() % UInt64(keys.count))] }
                    let value: JSONValue = random.next() % 6 == 0 ? .object([:]) : scalar(&random)
                    record["configData." + path.joined(separator: ".")] = value
                }
            }
            records.append(JSONValue.object(record).canonicalText)
        }
        return Case(snapshot: snapshot, changes: records.joined(separator: "\n"))
    }

    @Test(
        "random snapshots and change lists plan the same on the fast path as from decoded configs", arguments: 0..<400)
    func differential(seed: UInt64) throws {
        let sample = Self.makeCase(seed: seed)
        let changes = ChangeListReader.read(data: Data(sample.changes.utf8), file: "c.jsonl", format: .jsonLines)
        let indexed = try Snapshot.decode(Data(sample.snapshot.utf8))
        let decoded = Snapshot(configs: indexed.configs)
        let fast = PlanBuilder.build(changes: changes, snapshot: indexed)
        let reference = PlanBuilder.build(changes: changes, snapshot: decoded)
        #expect(fast.plan.items.count == reference.plan.items.count)
        for (a, b) in zip(fast.plan.items, reference.plan.items) { #expect(a == b, "seed \(seed)") }
        #expect(fast.plan.fingerprint == reference.plan.fingerprint)
        #expect(fast.diagnostics == reference.diagnostics)
        // The hand-written item encoding is canonical (compact, keys sorted) and says what the
        // Codable form says.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for item in fast.plan.items {
            let text = PlanEncoding.canonicalText(of: item)
            let parsed = try JSONValue(parsing: text)
            #expect(parsed.canonicalText == text)
            var redacted = item
            redacted.change = try JSONDecoder().decode(ConfigChange.self, from: encoder.encode(item.change))
            let viaCodable = try JSONValue(parsing: String(decoding: encoder.encode(redacted), as: UTF8.self))
            // (JSONEncoder writes a whole double without its fraction: compare numbers by value.)
            #expect(Self.numbersByValue(viaCodable) == Self.numbersByValue(parsed), "\(text)")
        }
    }

    @Test("the eight-bytes-at-a-time string scan stops at exactly the bytes a JSON string treats specially")
    func specialBytes() {
        for byte in 0...255 {
            let special = byte == 0x22 || byte == 0x5C || byte < 0x20 || byte >= 0x80
            for position in 0..<8 {
                var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 8)
                bytes[position] = UInt8(byte)
                let word = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                #expect(
                    (SnapshotScanner.specialBits(word, SnapshotScanner.high) != 0) == special,
                    "byte \(byte) at \(position)")
            }
            // The same over 19 bytes (two words and a tail read byte by byte), with and without
            // non-ASCII bytes counted: the first such byte is found where it is, else the end.
            let specialInJSON = byte == 0x22 || byte == 0x5C || byte < 0x20
            for position in 0..<19 {
                var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 19)
                bytes[position] = UInt8(byte)
                bytes.withUnsafeBufferPointer { buffer in
                    guard let base = buffer.baseAddress else { return }
                    let any = SnapshotScanner.firstSpecialByte(base, from: 0, to: 19, nonASCII: SnapshotScanner.high)
                    let json = SnapshotScanner.firstSpecialByte(base, from: 0, to: 19, nonASCII: 0)
                    #expect(any == (special ? position : 19), "byte \(byte) at \(position)")
                    #expect(json == (specialInJSON ? position : 19), "byte \(byte) at \(position)")
                }
            }
        }
    }

    @Test(
        "the plan writer writes integers and strings as the canonical text does",
        arguments: [
            Int64.min, Int64.min + 1, -1_000_000_007, -10, -9, -1, 0, 1, 9, 10, 99, 100, 4_096, Int64.max - 1,
            Int64.max,
        ])
    func writerIntegers(number: Int64) {
        var writer = JSONWriter()
        writer.integer(number)
        writer.string("a \"quoted\" \\ line\nbreak\u{1} é ✓ and a longer tail")
        #expect(
            String(decoding: writer.bytes, as: UTF8.self)
                == String(number)
                + JSONValue.string("a \"quoted\" \\ line\nbreak\u{1} é ✓ and a longer tail").canonicalText)
    }

    @Test("the writer redacts a patch while writing it exactly as writing its redacted copy does")
    func redactingWriter() {
        var random = SplitMix64(seed: 7)
        for _ in 0..<2_000 {
            var object = Self.object(&random, depth: 0)
            if random.next() % 4 == 0 { object["apiToken"] = Secrets.fingerprint(.string("already")) }
            if random.next() % 4 == 0 { object["secretKey"] = .null }
            for value in [JSONValue.object(object), .null, .string("tok"), .array([.object(object)])] {
                var writer = JSONWriter()
                writer.redactedValue(value)
                let expected = value.objectValue.map { JSONValue.object(Secrets.redact($0)) } ?? value
                #expect(String(decoding: writer.bytes, as: UTF8.self) == expected.canonicalText)
            }
        }
    }

    @Test("the digest form of an item is the binary layout docs/FORMATS.md describes")
    func digestForm() {
        let item = PlanItem(
            id: "a", name: nil, entityType: "B", destination: "W", versionRead: 3, expectedVersion: nil,
            diff: [FieldChange(path: ["name"], before: nil, after: .string("x"), secret: false)], enable: true,
            enabledRead: false, wave: 1, inputLines: [2], status: .update, change: ConfigChange(enable: true))
        var writer = JSONWriter()
        PlanEncoding.appendDigestForm(item, to: &writer)
        let hex = writer.bytes.map { String(format: "%02x", $0) }.joined()
        let expected = [
            "0161", "00", "0142", "0157", "06", "00", "01", "01", "02", "00", "01", "04", "01", "00", "00",
            "01", "01", "046e616d65", "00", "01" + "03" + "227822", "00",
        ].joined()
        #expect(hex == expected)
        // Fields are coded by their place in name order; counts and numbers as (zigzag) LEB128.
        #expect(
            ConfigField.allCases.sorted { $0.rawValue < $1.rawValue }.map(PlanEncoding.digestCode) == [
                0, 1, 2, 3, 4, 5, 6,
            ])
        var numbers = JSONWriter()
        let values: [Int64] = [0, -1, 1, 63, -64, 64, 300, .max, .min]
        for value in values { numbers.number(value) }
        numbers.varint(16_384)
        let expectedNumbers: [String] = [
            "00", "01", "02", "7e", "7f", "8001", "d804", "feffffffffffffffff01", "ffffffffffffffffff01", "808001",
        ]
        let numberHex = numbers.bytes.map { String(format: "%02x", $0) }.joined()
        #expect(numberHex == expectedNumbers.joined())
        // Lengths at the edges of one, two and three bytes, after something already written.
        for (length, prefix) in [
            (0, [0x00]), (127, [0x7F]), (128, [0x80, 0x01]), (200, [0xC8, 0x01]), (20_000, [0xA0, 0x9C, 0x01]),
        ] {
            var long = JSONWriter(capacity: 1)
            long.byte(0xEE)
            long.lengthPrefixed { $0.plain(String(repeating: "x", count: length)) }
            #expect(long.bytes == [0xEE] + prefix.map(UInt8.init) + Array(repeating: UInt8(ascii: "x"), count: length))
        }
    }

    @Test(
        "a one-member patch held as its key and value is the same patch as its dictionary: equal, hashed, written alike",
        arguments: [
            JSONValue.string("https://hooks.example.com/1"), .string("s3cr3t"), .null, .integer(7), .object([:]),
            .array([.bool(true)]),
        ])
    func onePatchMember(value: JSONValue) {
        for key in ["url", "apiToken"] {
            let held = ConfigChange(fields: [.name: .set("n")], patch: .member(key: key, value: value), enable: true)
            let dictionary = ConfigChange(
                fields: [.name: .set("n")], configDataPatch: .object([key: value]), enable: true)
            #expect(held == dictionary)
            #expect(held.hashValue == dictionary.hashValue)
            #expect(held.configDataPatch == dictionary.configDataPatch)
            #expect(held.hasFieldChanges)
            #expect(PlanEncoding.sameRecordedChange(held, dictionary))
            for (a, b) in [(held, dictionary), (dictionary, held)] {
                let items = [a, b].map { change in
                    PlanItem(
                        id: "c", name: nil, entityType: "Bill", destination: "Webhook", versionRead: 1,
                        expectedVersion: nil, diff: [], enable: true, wave: 0, inputLines: [2], status: .enableOnly,
                        change: change)
                }
                var first = JSONWriter()
                var second = JSONWriter()
                PlanEncoding.appendDigestForm(items[0], to: &first)
                PlanEncoding.appendDigestForm(items[1], to: &second)
                #expect(first.bytes == second.bytes)
                #expect(PlanEncoding.canonicalText(of: items[0]) == PlanEncoding.canonicalText(of: items[1]))
            }
            // Another key, another value, more members, no patch, a patch that clears: not the same.
            let others: [ConfigChange] = [
                ConfigChange(fields: [.name: .set("n")], patch: .member(key: key + "2", value: value), enable: true),
                ConfigChange(
                    fields: [.name: .set("n")], patch: .member(key: key, value: .string("other")), enable: true),
                ConfigChange(
                    fields: [.name: .set("n")], configDataPatch: .object([key: value, "more": .integer(1)]),
                    enable: true),
                ConfigChange(fields: [.name: .set("n")], configDataPatch: nil, enable: true),
                ConfigChange(fields: [.name: .set("n")], configDataPatch: .null, enable: true),
            ]
            for other in others where other.configDataPatch != held.configDataPatch {
                #expect(held != other)
                #expect(other != held)
            }
        }
        #expect(ConfigChange(configDataPatch: nil) != ConfigChange(configDataPatch: .null))
        #expect(!ConfigChange(configDataPatch: nil).hasFieldChanges)
        #expect(ConfigChange(configDataPatch: .null).hasFieldChanges)
    }

    @Test("the fingerprint is SHA-256 over the items' SHA-256 digests, in order, as docs/FORMATS.md says")
    func fingerprintDefinition() throws {
        let items = (0..<5).map { number in
            PlanItem(
                id: Self.uuid(number), name: number == 2 ? nil : "n\(number)", entityType: "Bill",
                destination: "Webhook",
                versionRead: Int64(number), expectedVersion: nil,
                diff: [FieldChange(path: ["name"], before: nil, after: .string("x\(number)"), secret: false)],
                enable: false, wave: 0, inputLines: [number + 2], status: .update, change: ConfigChange())
        }
        var joined: [UInt8] = []
        for item in items {
            var writer = JSONWriter()
            PlanEncoding.appendDigestForm(item, to: &writer)
            joined += SHA256.hash(data: writer.bytes).withUnsafeBytes { Array($0) }
        }
        let expected = SHA256.hash(data: joined).map { String(format: "%02x", $0) }.joined()
        #expect(ItemDigests.digestIsItsBytes)
        #expect(PlanEncoding.fingerprint(of: items) == expected)
    }

    static func numbersByValue(_ value: JSONValue) -> JSONValue {
        switch value {
        case .double(let number): Int64(exactly: number).map(JSONValue.integer) ?? value
        case .array(let elements): .array(elements.map(numbersByValue))
        case .object(let members): .object(members.mapValues(numbersByValue))
        default: value
        }
    }

    /// A config id for `number`.
    static func uuid(_ number: Int) -> String { String(format: "00000000-0000-4000-8000-%012x", number) }

    /// A snapshot file's text: `{"data": [...]}` of `count` configs.
    static func snapshotText(count: Int, config: (Int) -> String) -> String {
        "{\"data\":[" + (0..<count).map(config).joined(separator: ",") + "]}"
    }

    /// The plan of JSON Lines `changes` against the snapshot file text `snapshot`, indexed (the
    /// fast paths) and decoded (the reference); `nil` (an issue recorded) when it was not indexed.
    static func fastAndReference(snapshot: String, changes: String) throws -> (PlanResult, PlanResult)? {
        let list = ChangeListReader.read(data: Data(changes.utf8), file: "c.jsonl", format: .jsonLines)
        let indexed = try Snapshot.decode(Data(snapshot.utf8))
        guard case .indexed = indexed.storage else {
            Issue.record("the snapshot was not indexed")
            return nil
        }
        return (
            PlanBuilder.build(changes: list, snapshot: indexed),
            PlanBuilder.build(changes: list, snapshot: Snapshot(configs: indexed.configs))
        )
    }

    @Test("a large plan (ids looked up in parallel, items built on every core) equals the decoded one")
    func large() throws {
        let count = 9_000
        let id = Self.uuid
        let snapshot = Self.snapshotText(count: count) { number in
            "{\"id\":\"\(id(number))\",\"version\":\(number % 5),\"entityType\":\"Bill\",\"destination\":\"Webhook\","
                + "\"enabled\":\(number % 3 == 0),\"configData\":{\"url\":\"u\(number)\",\"apiToken\":\"t\(number)\"}}"
        }
        var changes = ""
        for number in (0..<count).reversed() {
            let target = number % 1_000 == 0 ? id(number).uppercased() : number == 7 ? id(count + 7) : id(number)
            changes += "{\"id\":\"\(target)\",\"configData.url\":\"v\(number % 7)\",\"wave\":\(number % 4)"
            changes += number % 2 == 0 ? ",\"enabled\":true}\n" : ",\"configData.apiToken\":\"t\(number)\"}\n"
        }
        guard let (fast, reference) = try Self.fastAndReference(snapshot: snapshot, changes: changes) else { return }
        #expect(fast.plan.items.count == count - 1)
        #expect(fast.plan.items == reference.plan.items)
        #expect(fast.plan.fingerprint == reference.plan.fingerprint)
        #expect(fast.diagnostics == reference.diagnostics)
        #expect(fast.diagnostics.contains { $0.message.contains(id(count + 7)) })
    }

    @Test(
        "rows that each name another config by its exact id are resolved in bulk, as one by one",
        arguments: ["every row a distinct exact id", "the last row repeats an id", "the last row's id is missing"])
    func bulkResolution(variant: String) throws {
        let count = 8_500
        let id = Self.uuid
        let snapshot = Self.snapshotText(count: count) { number in
            "{\"id\":\"\(id(number))\",\"version\":\(number % 5 + 1),\"entityType\":\"Bill\","
                + "\"destination\":\"Webhook\",\"configData\":{\"url\":\"u\(number)\"}}"
        }
        // Rows in an order of their own (not the snapshot's), with waves, so that slots, positions
        // and snapshot order all differ.
        var targets = (0..<count).map { ($0 * 7_919) % count }
        switch variant {
        case "the last row repeats an id": targets.append(targets[17])
        case "the last row's id is missing": targets.append(count + 3)
        default: break
        }
        var changes = ""
        for (row, target) in targets.enumerated() {
            changes += "{\"id\":\"\(id(target))\",\"configData.url\":\"v\(row % 11)\",\"wave\":\(row % 3)}\n"
        }
        guard let (fast, reference) = try Self.fastAndReference(snapshot: snapshot, changes: changes) else { return }
        #expect(fast.plan.items.count == count)
        #expect(fast.plan.items == reference.plan.items)
        #expect(fast.plan.fingerprint == reference.plan.fingerprint)
        #expect(fast.diagnostics == reference.diagnostics)
        #expect(fast.plan.items.map(\.wave) == fast.plan.items.map(\.wave).sorted())
        switch variant {
        case "the last row repeats an id":
            #expect(fast.plan.items.contains { $0.inputLines == [18, count + 1] })
        case "the last row's id is missing":
            #expect(fast.diagnostics.contains { $0.message.contains(id(count + 3)) })
        default:
            #expect(fast.diagnostics.isEmpty)
        }
    }

    @Test(
        "rows in the snapshot's order are found by trying the next config first, as by the table",
        arguments: ["no id repeats", "an id repeats in the snapshot"])
    func snapshotOrder(variant: String) throws {
        let count = 8_600
        let repeats = variant == "an id repeats in the snapshot"
        let id = Self.uuid
        // With repeats, the last config has the id of config 100: a row naming it must reach the
        // last config (as the table finds it), although config 100 is the one after row 99's.
        let snapshot = Self.snapshotText(count: count) { number in
            "{\"id\":\"\(id(repeats && number == count - 1 ? 100 : number))\",\"version\":\(number % 5 + 1),"
                + "\"entityType\":\"Bill\",\"destination\":\"Webhook\",\"configData\":{\"url\":\"u\(number)\"}}"
        }
        // The snapshot's order, with gaps, an id in capitals (found lower-cased, then the guess
        // goes on from there) and one that is absent.
        var changes = ""
        var lineOf: [Int: Int] = [:]
        for number in 0..<count where number % 97 != 5 {
            let target = number == 300 ? id(number).uppercased() : number == 400 ? id(count + 1) : id(number)
            changes += "{\"id\":\"\(target)\",\"configData.url\":\"v\(number % 13)\"}\n"
            lineOf[number] = lineOf.count + 1
        }
        guard let (fast, reference) = try Self.fastAndReference(snapshot: snapshot, changes: changes) else { return }
        #expect(fast.plan.items == reference.plan.items)
        #expect(fast.plan.fingerprint == reference.plan.fingerprint)
        #expect(fast.diagnostics == reference.diagnostics)
        #expect(fast.diagnostics.contains { $0.message.contains(id(count + 1)) })
        #expect(fast.plan.items.contains { $0.id == id(301) && $0.inputLines == [lineOf[301] ?? 0] })
        let named100 = fast.plan.items.filter { $0.id == id(100) }
        #expect(named100.map(\.inputLines) == [[lineOf[100] ?? 0]])
        // Config 100 (version 1), or the last config (version 5) that repeats its id.
        #expect(named100.map(\.versionRead) == [repeats ? 5 : 1])
    }

    @Test("items are ordered by wave, then input order, however far apart the waves are")
    func waveOrder() throws {
        let snapshot = try Snapshot.decode(
            Data("[{\"id\":\"a\"},{\"id\":\"b\"},{\"id\":\"c\"},{\"id\":\"d\"}]".utf8))
        let change = ConfigChange(fields: [.name: .set("x")])
        let cases: [(waves: [Int], order: [String])] = [
            ([3, -2, 3, 0], ["b", "d", "a", "c"]), ([Int.max, Int.min, 0, Int.max], ["b", "c", "a", "d"]),
        ]
        for (waves, order) in cases {
            let rows = zip(["a", "b", "c", "d"], waves).enumerated().map { line, pair in
                ChangeRow(line: line + 2, selector: .id(pair.0), change: change, wave: pair.1)
            }
            let list = ChangeList(
                file: "c", format: .csv, digest: "", rows: rows, recordCount: rows.count, diagnostics: [])
            let plan = PlanBuilder.build(changes: list, snapshot: snapshot).plan
            #expect(plan.items.map(\.id) == order)
        }
    }

    @Test("items written canonically are read without building their JSON, as the general reader reads them")
    func canonicalItems() throws {
        var read = 0
        for seed in UInt64(0)..<200 {
            let test = Self.makeCase(seed: seed)
            let list = ChangeListReader.read(data: Data(test.changes.utf8), file: "c.jsonl", format: .jsonLines)
            guard let snapshot = try? Snapshot.decode(Data(test.snapshot.utf8)) else { continue }
            let plan = PlanBuilder.build(changes: list, snapshot: snapshot).plan
            let data = PlanFile.encode(plan)
            let fast = try PlanDecoding.decode(MappedFile(data: data), path: "p", parallelAbove: .max)
            let general = try PlanDecoding.decode(
                MappedFile(data: data), path: "p", parallelAbove: .max, canonicalItems: false)
            #expect(fast == general, "seed \(seed)")
            for item in plan.items {
                // Each item alone: taken (not left to the general reader), and the whole text read.
                let text = Array(PlanEncoding.canonicalText(of: item).utf8)
                try text.withUnsafeBytes { bytes in
                    var parser = JSONParser(bytes: bytes)
                    var writer = JSONWriter()
                    var paths = SharedPaths()
                    let taken = try #require(CanonicalItemReader.item(&parser, writer: &writer, paths: &paths))
                    #expect(parser.offset == bytes.count)
                    #expect(PlanEncoding.canonicalText(of: taken) == PlanEncoding.canonicalText(of: item))
                    read += 1
                }
                // Respaced, escaped, or `before` not repeating the diff: left to the general reader,
                // the parser unmoved.
                let original = String(decoding: text, as: UTF8.self)
                let edits = [
                    (",\"id\":", ", \"id\":"), ("{\"after\":", "{ \"after\":"), ("\"id\":\"0", "\"id\":\"\\u0030"),
                    original.contains("\"before\":{}")
                        ? ("\"before\":{}", "\"before\":{\"zzz\":1}") : ("\"before\":{", "\"before\":{\"zzz\":1,"),
                ]
                for (from, to) in edits {
                    #expect(original.contains(from))
                    let edited = Array(original.replacingOccurrences(of: from, with: to).utf8)
                    edited.withUnsafeBytes { bytes in
                        var parser = JSONParser(bytes: bytes)
                        var writer = JSONWriter()
                        var paths = SharedPaths()
                        #expect(CanonicalItemReader.item(&parser, writer: &writer, paths: &paths) == nil)
                        #expect(parser.offset == 0)
                    }
                }
            }
        }
        #expect(read > 1_000)
    }

    @Test("a plan file read on two lanes equals the one read on one, and a damaged one fails the same way")
    func planReadOnTwoLanes() throws {
        var snapshot = "["
        var changes = ""
        for number in 0..<300 {
            let id = String(format: "00000000-0000-4000-8000-%012x", number)
            snapshot +=
                (number == 0 ? "" : ",") + "{\"id\":\"\(id)\",\"version\":2,\"configData\":{\"url\":\"u\(number)\"}}"
            changes += "{\"id\":\"\(id)\",\"configData.url\":\"v\(number)\",\"enabled\":true,\"wave\":\(number % 3)}\n"
        }
        let list = ChangeListReader.read(data: Data((changes).utf8), file: "c.jsonl", format: .jsonLines)
        let plan = PlanBuilder.build(changes: list, snapshot: try Snapshot.decode(Data((snapshot + "]").utf8))).plan
        let data = PlanFile.encode(plan)
        let sequential = try PlanDecoding.decode(MappedFile(data: data), path: "p", parallelAbove: .max)
        let parallel = try PlanDecoding.decode(MappedFile(data: data), path: "p", parallelAbove: 0)
        #expect(parallel == sequential)
        #expect(parallel.items == plan.items)
        // An item near the end is damaged: both ways name the same item.
        let text = String(decoding: data, as: UTF8.self)
        let damaged = text.replacingOccurrences(
            of: "\"versionRead\":2,\"wave\":2}\n]", with: "\"versionRead\":\"2\",\"wave\":2}\n]")
        #expect(damaged != text)
        for threshold in [0, Int.max] {
            #expect(
                throws: PlanFileError.malformed(
                    path: "p", reason: "unexpected value at items[299].versionRead: expected a whole number")
            ) {
                try PlanDecoding.decode(MappedFile(data: Data(damaged.utf8)), path: "p", parallelAbove: threshold)
            }
        }
    }

    @Test("most random cases take the fast path (the comparison above is not vacuous)")
    func coverage() throws {
        var indexedCount = 0
        var fastItems = 0
        var allItems = 0
        for seed in 0..<UInt64(200) {
            let sample = Self.makeCase(seed: seed)
            let snapshot = try Snapshot.decode(Data(sample.snapshot.utf8))
            guard case .indexed(let index) = snapshot.storage else { continue }
            indexedCount += 1
            let changes = ChangeListReader.read(data: Data(sample.changes.utf8), file: "c.jsonl", format: .jsonLines)
            var builder = FastItemBuilder(index: index)
            for row in changes.rows {
                guard case .id(let id) = row.selector, let position = index.index(ofID: id) else { continue }
                allItems += 1
                if builder.item(at: position, merged: ChangeMerger.merge(row)) != nil { fastItems += 1 }
            }
        }
        #expect(indexedCount > 150)
        #expect(fastItems * 10 > allItems * 4)
    }
}
