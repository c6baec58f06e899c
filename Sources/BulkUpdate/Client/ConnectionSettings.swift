import Foundation

/// Where the API is and which organization to work on: the non-secret connection parts.
///
/// From `--base-url` / `M3TER_BASE_URL` (default `https://api.m3ter.com`) and `--org` /
/// `M3TER_ORG_ID`. Plain `http://` is refused unless the host is loopback (`localhost`,
/// `127.0.0.0/8`, `::1`), so credentials never cross a network unencrypted.
public struct ConnectionSettings: Sendable, Hashable {
    /// m3ter's production API.
    public static let defaultBaseURL = "https://api.m3ter.com"
    /// The environment variable holding the base URL.
    public static let baseURLVariable = "M3TER_BASE_URL"
    /// The environment variable holding the organization id.
    public static let orgIdVariable = "M3TER_ORG_ID"

    /// The API root, without a trailing slash.
    public let baseURL: URL
    /// The organization id.
    public let orgId: String

    /// Validated settings.
    ///
    /// - Throws: ``ConfigurationError`` for a missing or malformed org, a non-http(s) URL, or plain
    ///   http to a non-loopback host.
    public init(baseURL: String, orgId: String) throws(ConfigurationError) {
        let trimmedOrg = orgId.trimmingCharacters(in: .whitespaces)
        guard !trimmedOrg.isEmpty else { throw .missingOrganization }
        guard trimmedOrg.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw .invalidOrganization(trimmedOrg)
        }
        var text = baseURL.trimmingCharacters(in: .whitespaces)
        while text.hasSuffix("/") { text.removeLast() }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host,
            !host.isEmpty, url.query == nil, url.fragment == nil, url.user == nil, url.password == nil
        else { throw .invalidBaseURL(baseURL) }
        switch scheme {
        case "https": break
        case "http": guard Self.isLoopback(host: host) else { throw .insecureBaseURL(text) }
        default: throw .invalidBaseURL(baseURL)
        }
        self.baseURL = url
        self.orgId = trimmedOrg
    }

    /// Settings from the command line's options, falling back to the environment and the default URL.
    public static func resolve(
        baseURL: String?, orgId: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> ConnectionSettings {
        let url = nonEmpty(baseURL) ?? nonEmpty(environment[baseURLVariable]) ?? defaultBaseURL
        guard let org = nonEmpty(orgId) ?? nonEmpty(environment[orgIdVariable]) else { throw .missingOrganization }
        return try ConnectionSettings(baseURL: url, orgId: org)
    }

    /// Whether `host` is loopback: `localhost`, an address in 127.0.0.0/8, or `::1`.
    public static func isLoopback(host: String) -> Bool {
        var name = host.lowercased()
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if name == "localhost" || name == "localhost." || name == "::1" || name == "0:0:0:0:0:0:0:1" { return true }
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets[0] == "127" else { return false }
        return octets.allSatisfy { octet in
            !octet.isEmpty && octet.count <= 3 && octet.allSatisfy(\.isASCII) && UInt8(octet) != nil
        }
    }

    /// `{base}/organizations/{org}/integrationconfigs`.
    public var configsURL: URL {
        baseURL.appendingPathComponent("organizations").appendingPathComponent(orgId)
            .appendingPathComponent("integrationconfigs")
    }

    /// `{base}/oauth/token`.
    public var tokenURL: URL {
        baseURL.appendingPathComponent("oauth").appendingPathComponent("token")
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }
}
