/// What a change-list column (or JSON key) means.
package enum Column: Sendable, Hashable {
    case id
    /// A new value for a top-level field (never `.configData`).
    case field(ConfigField)
    /// The whole `configData` merge patch.
    case configData
    /// One (nested) configData key: `configData.webhook.url` is `["webhook", "url"]`.
    case configDataKey([String])
    /// `match.<field>`.
    case match(ConfigField)
    case enabled
    case expectedVersion
    case wave

    /// The fields a `match.<field>` column may name.
    package static let matchableFields: [ConfigField] = [
        .entityType, .entityId, .destination, .destinationId, .integrationCredentialsId, .name,
    ]

    /// Every fixed column name, for suggestions.
    package static let knownNames: [String] =
        ["id"] + ConfigField.allCases.map(\.rawValue) + matchableFields.map { "match.\($0.rawValue)" } + [
            "enabled", "expectedVersion", "wave",
        ]

    /// The meaning of a column name, or `nil` when it is not a change-list column.
    package init?(name: String) {
        switch name {
        case "id": self = .id
        case "configData": self = .configData
        case "enabled": self = .enabled
        case "expectedVersion": self = .expectedVersion
        case "wave": self = .wave
        default:
            if let field = ConfigField(rawValue: name) {
                self = .field(field)
            } else if name.hasPrefix("match.") {
                guard let field = ConfigField(rawValue: String(name.dropFirst(6))),
                    Self.matchableFields.contains(field)
                else { return nil }
                self = .match(field)
            } else if name.hasPrefix("configData.") {
                let path = name.dropFirst(11).split(separator: ".", omittingEmptySubsequences: false).map(String.init)
                guard !path.contains(where: \.isEmpty) else { return nil }
                self = .configDataKey(path)
            } else {
                return nil
            }
        }
    }

    /// Whether a configData key path can be a `configData.<key>[.<key>…]` column name (no key is
    /// empty or holds a `.`): the keys ``init(name:)`` reads back from it.
    package static func canName(configDataPath path: some Collection<String>) -> Bool {
        path.allSatisfy { !$0.isEmpty && !$0.utf8.contains(UInt8(ascii: ".")) }
    }

    /// The message for an unknown column name, with the nearest known name when one is close.
    package static func unknownMessage(_ name: String) -> String {
        if name.hasPrefix("match."), ConfigField(rawValue: String(name.dropFirst(6))) != nil {
            return "cannot match on '\(name.dropFirst(6))' (match columns: "
                + matchableFields.map { "match.\($0.rawValue)" }.joined(separator: ", ") + ")"
        }
        if name.hasPrefix("configData.") {
            return "column '\(name)' has an empty key (write configData.<key>[.<key>…])"
        }
        if let suggestion = NameSuggester.nearest(to: name, in: knownNames) {
            return "unknown column '\(name)' (did you mean '\(suggestion)'?)"
        }
        return "unknown column '\(name)' (known: \(knownNames.joined(separator: ", ")), configData.<key>)"
    }
}
