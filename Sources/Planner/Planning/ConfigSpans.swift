/// Where the members a plan reads sit in one config object of a snapshot file: the offset of
/// each one's value (`-1`: absent), found by scanning the object once without decoding it.
struct ConfigSpans {
    var id = -1
    var version = -1
    var entityType = -1
    var entityId = -1
    var destination = -1
    var destinationId = -1
    var configData = -1
    var enabled = -1
    var integrationCredentialsId = -1
    var name = -1

    /// Scans the object starting at `start` (a `{` the snapshot scan has validated).
    ///
    /// `nil` when a member name holds escapes or a member the plan reads appears twice: the
    /// full decoder's reading of those is left to it.
    init?(bytes: UnsafeRawBufferPointer, start: Int) {
        var scanner = SnapshotScanner(bytes: bytes, offset: start)
        guard scanner.consume(UInt8(ascii: "{")) else { return nil }
        if scanner.consume(UInt8(ascii: "}")) { return }
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        repeat {
            guard scanner.peek() == UInt8(ascii: "\""), let key = scanner.scanString(), !key.escaped,
                scanner.consume(UInt8(ascii: ":")), scanner.peek() != nil
            else { return nil }
            let value = scanner.offset
            let name = UnsafeBufferPointer(start: base + key.start, count: key.length)
            if let slot = Self.slot(of: name) {
                guard self[slot] < 0 else { return nil }
                self[slot] = value
            }
            guard scanner.scanValue(depth: 1) else { return nil }
        } while scanner.consume(UInt8(ascii: ","))
        guard scanner.consume(UInt8(ascii: "}")) else { return nil }
    }

    private static let names: [[UInt8]] = [
        "id", "version", "entityType", "entityId", "destination", "destinationId", "configData", "enabled",
        "integrationCredentialsId", "name",
    ].map { Array($0.utf8) }

    private static func slot(of name: UnsafeBufferPointer<UInt8>) -> Int? {
        for (slot, known) in names.enumerated() where known.count == name.count && known.first == name.first {
            if known.withUnsafeBufferPointer({ $0.elementsEqual(name) }) { return slot }
        }
        return nil
    }

    private subscript(slot: Int) -> Int {
        get {
            switch slot {
            case 0: id
            case 1: version
            case 2: entityType
            case 3: entityId
            case 4: destination
            case 5: destinationId
            case 6: configData
            case 7: enabled
            case 8: integrationCredentialsId
            default: name
            }
        }
        set {
            switch slot {
            case 0: id = newValue
            case 1: version = newValue
            case 2: entityType = newValue
            case 3: entityId = newValue
            case 4: destination = newValue
            case 5: destinationId = newValue
            case 6: configData = newValue
            case 7: enabled = newValue
            case 8: integrationCredentialsId = newValue
            default: name = newValue
            }
        }
    }

    /// The value offset of a top-level field (as ``IntegrationConfig/value(of:)`` names them).
    func offset(of field: ConfigField) -> Int {
        switch field {
        case .name: name
        case .entityType: entityType
        case .entityId: entityId
        case .destination: destination
        case .destinationId: destinationId
        case .integrationCredentialsId: integrationCredentialsId
        case .configData: configData
        }
    }
}
