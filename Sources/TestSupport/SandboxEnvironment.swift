import Foundation
import Sandbox

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension SandboxServer {
    /// The environment the CLI needs to talk to this sandbox: base URL, org and credentials.
    public var cliEnvironment: [String: String] {
        [
            "M3TER_BASE_URL": baseURL.absoluteString, "M3TER_ORG_ID": orgId, "M3TER_API_KEY": apiKey,
            "M3TER_API_SECRET": apiSecret,
        ]
    }

    /// A bearer token from the sandbox's OAuth endpoint, as a user would paste into `M3TER_API_TOKEN`.
    public func pastedToken() async throws -> String {
        var request = URLRequest(url: baseURL.appendingPathComponent("oauth/token"))
        request.httpMethod = "POST"
        let basic = Data("\(apiKey):\(apiSecret)".utf8).base64EncodedString()
        request.setValue("Basic \(basic)", forHTTPHeaderField: "Authorization")
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data("grant_type=client_credentials".utf8)
        let (data, _) = try await URLSession.shared.data(for: request)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let token = object["access_token"] as? String
        else { throw CocoaError(.coderReadCorrupt) }
        return token
    }
}

extension TestSupport {
    /// Writes `text` to `name` inside `directory` and returns its URL.
    @discardableResult
    public static func write(_ text: String, to name: String, in directory: URL) throws -> URL {
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    /// Every regular file below `directory`, recursively.
    public static func files(under directory: URL) -> [URL] {
        guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else {
            return []
        }
        return walker.compactMap { $0 as? URL }.filter {
            (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true
        }
    }
}
