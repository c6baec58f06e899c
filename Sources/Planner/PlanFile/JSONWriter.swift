/// Appends compact JSON to a byte buffer: the fast path behind plan files and fingerprints.
///
/// Object members are written in sorted key order, so the output is canonical (the same text as
/// ``JSONValue/canonicalText``).
struct JSONWriter: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// The number of bytes written.
    private(set) var count = 0

    init(capacity: Int = 0) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    deinit {
        base.deallocate()
    }

    /// A copy of the bytes written.
    var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// Calls `body` with the bytes written (valid only during the call).
    func withBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// Forgets what was written, keeping the buffer.
    mutating func removeAll() {
        count = 0
    }

    @inline(__always)
    private mutating func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        var grown = capacity * 2
        while grown < count + extra { grown *= 2 }
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        moved.update(from: base, count: count)
        base.deallocate()
        base = moved
        capacity = grown
    }

    @inline(__always)
    mutating func byte(_ value: UInt8) {
        reserve(1)
        base[count] = value
        count += 1
    }

    @inline(__always)
    private mutating func append(_ source: UnsafePointer<UInt8>, _ length: Int) {
        reserve(length)
        (base + count).update(from: source, count: length)
        count += length
    }

    // MARK: Binary (the digest form of plan items)

    /// An unsigned LEB128 number: seven bits a byte, low bits first, the high bit set on every
    /// byte but the last.
    @inline(__always)
    mutating func varint(_ value: Int) {
        // Nearly every count and length in a digest form is one byte.
        guard UInt(bitPattern: value) < 0x80 else { return longVarint(value) }
        byte(UInt8(truncatingIfNeeded: value))
    }

    private mutating func longVarint(_ value: Int) {
        reserve(10)
        var rest = UInt64(truncatingIfNeeded: value)
        while rest >= 0x80 {
            base[count] = UInt8(truncatingIfNeeded: rest) | 0x80
            count += 1
            rest >>= 7
        }
        base[count] = UInt8(truncatingIfNeeded: rest)
        count += 1
    }

    /// A signed number as the LEB128 of its zigzag form (`0, -1, 1, -2, …` as `0, 1, 2, 3, …`).
    mutating func number(_ value: Int64) {
        varint(Int(bitPattern: UInt(truncatingIfNeeded: (value << 1) ^ (value >> 63))))
    }

    /// UTF-8 text after its byte count.
    mutating func text(_ text: String) {
        Self.withUTF8(text) { utf8 in
            varint(utf8.count)
            append(utf8)
        }
    }

    /// `0`, or `1` and the text.
    mutating func optionalText(_ text: String?) {
        guard let text else { return byte(0) }
        byte(1)
        self.text(text)
    }

    /// What `body` writes, after its byte count.
    mutating func lengthPrefixed(_ body: (inout JSONWriter) -> Void) {
        // Written behind room for a one-byte count (the usual short value); a longer value is
        // moved up behind its longer count.
        byte(0)
        let start = count
        body(&self)
        let length = count - start
        if length < 0x80 {
            base[start - 1] = UInt8(truncatingIfNeeded: length)
            return
        }
        var prefix = 1
        while length >> (7 * prefix) > 0 { prefix += 1 }
        reserve(prefix - 1)
        // (The two ranges overlap: `copyMemory` moves bytes as memmove does.)
        UnsafeMutableRawPointer(base + start - 1 + prefix).copyMemory(from: base + start, byteCount: length)
        count = start - 1
        varint(length)
        count = start - 1 + prefix + length
    }

    /// Text as it is (UTF-8, no quotes, no escapes): for plain-text output.
    mutating func plain(_ text: String) {
        Self.withUTF8(text) { append($0) }
    }

    // MARK: JSON

    /// Calls `body` with the text's UTF-8 bytes (in place when the string is contiguous, as
    /// native strings are; from a copy otherwise).
    private static func withUTF8(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        if text.utf8.withContiguousStorageIfAvailable(body) != nil { return }
        var copy = text
        copy.withUTF8(body)
    }

    private mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        if let base = bytes.baseAddress { append(base, bytes.count) }
    }

    mutating func raw(_ text: StaticString) {
        append(text.utf8Start, text.utf8CodeUnitCount)
    }

    mutating func integer(_ value: Int64) {
        if value >= 0, value < 10 {
            byte(UInt8(ascii: "0") + UInt8(value))
            return
        }
        guard value != .min else {
            var text = String(value)
            text.withUTF8 { append($0.baseAddress.unsafelyUnwrapped, $0.count) }
            return
        }
        var magnitude = value.magnitude
        reserve(20)
        if value < 0 {
            base[count] = UInt8(ascii: "-")
            count += 1
        }
        var digits = 0
        var scratch = magnitude
        repeat {
            digits += 1
            scratch /= 10
        } while scratch > 0
        var position = count + digits - 1
        repeat {
            base[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
            position -= 1
        } while magnitude > 0
        count += digits
    }

    mutating func bool(_ value: Bool) {
        value ? raw("true") : raw("false")
    }

    mutating func string(_ text: String) {
        Self.withUTF8(text) { string(utf8: $0) }
    }

    /// Writes UTF-8 text as a JSON string literal.
    private mutating func string(utf8: UnsafeBufferPointer<UInt8>) {
        do {
            guard let source = utf8.baseAddress else {
                raw("\"\"")
                return
            }
            // Escaped only when it holds a quote, a backslash or a control character.
            let needsEscape =
                SnapshotScanner.firstSpecialByte(source, from: 0, to: utf8.count, nonASCII: 0) < utf8.count
            reserve(utf8.count + 2)
            byte(UInt8(ascii: "\""))
            if !needsEscape {
                append(source, utf8.count)
            } else {
                for byte in utf8 {
                    switch byte {
                    case UInt8(ascii: "\""): raw("\\\"")
                    case UInt8(ascii: "\\"): raw("\\\\")
                    case 0x0A: raw("\\n")
                    case 0x0D: raw("\\r")
                    case 0x09: raw("\\t")
                    case 0..<0x20:
                        raw("\\u00")
                        self.byte(Self.hexDigits[Int(byte >> 4)])
                        self.byte(Self.hexDigits[Int(byte & 0xF)])
                    default: self.byte(byte)
                    }
                }
            }
            byte(UInt8(ascii: "\""))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    mutating func value(_ value: JSONValue) {
        switch value {
        case .null: raw("null")
        case .bool(let flag): bool(flag)
        case .integer(let number): integer(number)
        case .double:
            var text = value.canonicalText
            text.withUTF8 { append($0.baseAddress.unsafelyUnwrapped, $0.count) }
        case .string(let text): string(text)
        case .array(let elements):
            byte(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { byte(UInt8(ascii: ",")) }
                self.value(element)
            }
            byte(UInt8(ascii: "]"))
        case .object(let members): object(members)
        }
    }

    mutating func object(_ members: [String: JSONValue], redacting: Bool = false) {
        byte(UInt8(ascii: "{"))
        let count = members.count
        if count == 1, let only = members.first {
            member(only.key, only.value, redacting: redacting)
        } else if count > 32 {
            for (position, element) in members.sorted(by: { $0.key < $1.key }).enumerated() {
                if position > 0 { byte(UInt8(ascii: ",")) }
                member(element.key, element.value, redacting: redacting)
            }
        } else if count > 1 {
            // Small objects (nearly all of a plan's): insertion-sort the members' indices on the stack
            // (no copies of keys or values).
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
                    if position > 0 { byte(UInt8(ascii: ",")) }
                    let element = members[order[position]]
                    member(element.key, element.value, redacting: redacting)
                }
            }
        }
        byte(UInt8(ascii: "}"))
    }

    private mutating func member(_ key: String, _ member: JSONValue, redacting: Bool) {
        string(key)
        byte(UInt8(ascii: ":"))
        guard redacting else { return value(member) }
        if member != .null, Secrets.isSecretKey(key) {
            value(Secrets.redactedSecret(member))
        } else if case .object(let inner) = member {
            object(inner, redacting: true)
        } else {
            value(member)
        }
    }

    /// `value` as ``Secrets/redact(_:)`` would leave it (every value under a secret key, at any
    /// depth of objects, as its fingerprint), without making the redacted copy.
    mutating func redactedValue(_ value: JSONValue) {
        guard case .object(let members) = value else { return self.value(value) }
        object(members, redacting: true)
    }

    /// A change's configData patch as ``redactedValue(_:)`` writes it. There must be one (`null`
    /// is a patch that clears configData: no patch is written by leaving the member out).
    mutating func redactedPatch(_ patch: ConfigChange.Patch) {
        switch patch {
        case .none: preconditionFailure("no configData patch to write")
        case .member(let key, let value):
            // The object of one member, as `object(_:redacting:)` writes it.
            byte(UInt8(ascii: "{"))
            member(key, value, redacting: true)
            byte(UInt8(ascii: "}"))
        case .value(let value): redactedValue(value)
        }
    }
}
