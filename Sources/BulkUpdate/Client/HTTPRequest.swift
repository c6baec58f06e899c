import Foundation

/// One HTTP request, as a value: what the client hands to an ``HTTPTransport``.
public struct HTTPRequest: Sendable, Hashable {
    /// The request method.
    public enum Method: String, Sendable, Hashable {
        case get = "GET"
        case post = "POST"
        case put = "PUT"
    }

    public var method: Method
    public var url: URL
    /// Header fields by name (names as given; the transport sends them verbatim).
    public var headers: [String: String]
    /// The body, `nil` for none.
    public var body: Data?

    /// A request.
    public init(method: Method, url: URL, headers: [String: String] = [:], body: Data? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// The value of a header, matched case-insensitively.
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.key.lowercased() == lowered }?.value
    }
}
