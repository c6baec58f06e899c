/// Appends compact JSON to a byte buffer: the fast path behind plan files and fingerprints.
///
/// Object members are written in sorted key order, so the output is canonical (the same text as
/// ``JSONValue/canonicalText``).
struct JSONWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func integer(_ value: Int64) {
        if value >= 0, value < 10 {
            bytes.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var text = String(value)
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    mutating func bool(_ value: Bool) {
        value ? raw("true") : raw("false")
    }

    mutating func string(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            bytes.append(UInt8(ascii: "\""))
            var needsEscape = false
            if let base = utf8.baseAddress {
                var index = 0
                // Eight bytes at a time; only a word with a quote, a backslash, a control
                // character or a non-ASCII byte is looked at byte by byte.
                while index + 8 <= utf8.count {
                    let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                    if SnapshotScanner.hasSpecialByte(word) { break }
                    index += 8
                }
                while index < utf8.count {
                    let byte = utf8[index]
                    if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                        needsEscape = true
                        break
                    }
                    index += 1
                }
            }
            if !needsEscape {
                bytes.append(contentsOf: utf8)
            } else {
                let hex = Array("0123456789abcdef".utf8)
                for byte in utf8 {
                    switch byte {
                    case UInt8(ascii: "\""): bytes += [0x5C, 0x22]
                    case UInt8(ascii: "\\"): bytes += [0x5C, 0x5C]
                    case 0x0A: bytes += [0x5C, UInt8(ascii: "n")]
                    case 0x0D: bytes += [0x5C, UInt8(ascii: "r")]
                    case 0x09: bytes += [0x5C, UInt8(ascii: "t")]
                    case 0..<0x20:
                        bytes += [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
                    default: bytes.append(byte)
                    }
                }
            }
            bytes.append(UInt8(ascii: "\""))
        }
    }

    mutating func value(_ value: JSONValue) {
        switch value {
        case .null: raw("null")
        case .bool(let flag): bool(flag)
        case .integer(let number): integer(number)
        case .double:
            var text = value.canonicalText
            text.withUTF8 { bytes.append(contentsOf: $0) }
        case .string(let text): string(text)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                self.value(element)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members): object(members)
        }
    }

    mutating func object(_ members: [String: JSONValue]) {
        bytes.append(UInt8(ascii: "{"))
        let count = members.count
        if count == 1, let only = members.first {
            member(only.key, only.value)
        } else if count > 32 {
            for (position, element) in members.sorted(by: { $0.key < $1.key }).enumerated() {
                if position > 0 { bytes.append(UInt8(ascii: ",")) }
                member(element.key, element.value)
            }
        } else if count > 1 {
            // Small objects (nearly all of a plan's): insertion-sort the members' indices on the stack. (no copies of keys or values) on the stack.
            withUnsafeTemporaryAllocation(of: Dictionary<String, JSONValue>.Index.self, capacity: count) { order in
                var filled = 0
                for index in members.indices {
                    var position = filled
                    let key = members[index].key
                    while position > 0, key < members[order[position - 1]].key {
                        order[position] = order[position - 1]
                        position -= 1
                    }
                    order[position] = index
                    filled += 1
                }
                for position in 0..<filled {
                    if position > 0 { bytes.append(UInt8(ascii: ",")) }
                    let element = members[order[position]]
                    member(element.key, element.value)
                }
            }
        }
        bytes.append(UInt8(ascii: "}"))
    }

    private mutating func member(_ key: String, _ member: JSONValue) {
        string(key)
        bytes.append(UInt8(ascii: ":"))
        value(member)
    }
}
