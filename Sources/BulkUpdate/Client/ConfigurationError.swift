/// A connection setting or credential is missing or unacceptable; nothing was sent.
public enum ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Neither `--org` nor `M3TER_ORG_ID` was given.
    case missingOrganization
    /// The organization id has characters that cannot be part of a URL path.
    case invalidOrganization(String)
    /// The base URL does not parse or is not http(s).
    case invalidBaseURL(String)
    /// Plain `http://` to a host that is not loopback.
    case insecureBaseURL(String)
    /// No credentials in the environment.
    case missingCredentials
    /// Only one of `M3TER_API_KEY` / `M3TER_API_SECRET` is set; the associated value names the missing one.
    case incompleteCredentials(missing: String)

    public var description: String {
        switch self {
        case .missingOrganization:
            "no organization: pass --org ORG_ID or set M3TER_ORG_ID"
        case .invalidOrganization(let org):
            "organization id '\(org)' is not valid: use the UUID of your m3ter organization (--org or M3TER_ORG_ID)"
        case .invalidBaseURL(let url):
            "base URL '\(url)' is not an http(s) URL: pass --base-url or set M3TER_BASE_URL "
                + "(default \(ConnectionSettings.defaultBaseURL))"
        case .insecureBaseURL(let url):
            "refusing plain http to '\(url)': credentials would travel unencrypted; use https "
                + "(plain http is only allowed to loopback: localhost, 127.0.0.0/8, ::1)"
        case .missingCredentials:
            "no credentials: set M3TER_API_KEY and M3TER_API_SECRET (service user), or M3TER_API_TOKEN (bearer token)"
        case .incompleteCredentials(let missing):
            "incomplete credentials: \(missing) is not set (M3TER_API_KEY and M3TER_API_SECRET go together)"
        }
    }
}
