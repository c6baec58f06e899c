/// Which configs a change-list row targets.
public enum Selector: Sendable, Hashable {
    /// Exactly the config with this id.
    case id(String)
    /// Every config whose fields equal all of these values (ANDed); `nil` matches an absent field.
    case match([ConfigField: String?])

    /// A short human description: `id 7f3e…` or `destination=Stripe and name=X`.
    public var summary: String {
        switch self {
        case .id(let id): "id \(id)"
        case .match(let fields):
            fields.sorted { $0.key < $1.key }
                .map { "\($0.key.rawValue)=\($0.value ?? "\\N")" }
                .joined(separator: " and ")
        }
    }
}

/// One validated change-list row (a CSV row or a JSON record).
public struct ChangeRow: Sendable, Hashable {
    /// The 1-based line where the row starts.
    public var line: Int
    /// The configs it targets.
    public var selector: Selector
    /// The change it asks for (top-level fields, configData merge patch, enable).
    public var change: ConfigChange
    /// Apply only if the config is still at this version (id rows only).
    public var expectedVersion: Int64?
    /// The wave given in the row (`nil`: not given, i.e. wave 0).
    public var wave: Int?
    /// The values of ``change`` that are templates, rendered for each config the row targets.
    public var templates: [TemplatedValue]

    public init(
        line: Int, selector: Selector, change: ConfigChange, expectedVersion: Int64? = nil, wave: Int? = nil,
        templates: [TemplatedValue] = []
    ) {
        self.line = line
        self.selector = selector
        self.change = change
        self.expectedVersion = expectedVersion
        self.wave = wave
        self.templates = templates
    }
}

/// A value of a row that is a template (``Template``): where it goes, and the cell it came from.
public struct TemplatedValue: Sendable, Hashable {
    /// Where a templated value goes.
    public enum Target: Sendable, Hashable {
        case field(ConfigField)
        /// A key path inside configData.
        case configData([String])
    }

    public var target: Target
    package var template: Template
    /// The column (or JSON key) it was written in, for messages.
    public var column: String
    /// The 1-based column number in a CSV file (`nil` in JSON).
    public var position: Int?

    package init(target: Target, template: Template, column: String, position: Int?) {
        self.target = target
        self.template = template
        self.column = column
        self.position = position
    }
}
