/// A field the undo or failed list could not write, and why (a secret, or something the API cannot undo).
public struct WithheldField: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The config id.
    public var id: String
    /// The dotted path (`configData.auth.token`, `enabled`).
    public var path: String
    /// Why it was left out, for people.
    public var reason: String

    /// Creates an entry.
    public init(id: String, path: String, reason: String) {
        self.id = id
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(id) \(path): \(reason)" }

    static let secretReason = "secret values are never stored; set it again from the original change list"
}
