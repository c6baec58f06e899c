import Foundation

/// Where the members a plan reads sit in one config object of a snapshot file: the offset of
/// each one's value (`-1`: absent), found by scanning the object once without decoding it.
struct ConfigSpans: Equatable {
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
    /// How many members are recorded (``slot(of:)``'s range).
    static let slotCount = 10

    /// The spans a snapshot scan recorded for the config starting at `start` (``slotCount``
    /// numbers from `recorded`; see ``SnapshotScanner/scanConfigs(into:spans:stopAt:release:)``).
    init?(recorded: UnsafeBufferPointer<Int32>, start: Int) {
        guard recorded[0] != -2 else { return nil }
        for slot in 0..<Self.slotCount {
            let relative = Int(recorded[slot])
            self[slot] = relative < 0 ? -1 : start + relative
        }
    }

    /// The slot of a member name the planner reads (`nil` for the others).
    @inline(__always)
    static func slot(of name: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = name.baseAddress, !name.isEmpty else { return nil }
        // The candidate by length and first letter, then one comparison.
        let slot: Int
        let known: StaticString
        switch name.count {
        case 2: (slot, known) = (0, "id")
        case 4: (slot, known) = (9, "name")
        case 7: (slot, known) = base[0] == UInt8(ascii: "v") ? (1, "version") : (7, "enabled")
        case 8: (slot, known) = (3, "entityId")
        case 10: (slot, known) = base[0] == UInt8(ascii: "c") ? (6, "configData") : (2, "entityType")
        case 11: (slot, known) = (4, "destination")
        case 13: (slot, known) = (5, "destinationId")
        case 24: (slot, known) = (8, "integrationCredentialsId")
        default: return nil
        }
        return RawBytes.equal(base, known.utf8Start, count: name.count) ? slot : nil
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
