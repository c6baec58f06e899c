import Foundation
import Sandbox

extension SandboxServer {
    /// The environment the CLI needs to talk to this sandbox: base URL, org and credentials.
    public var cliEnvironment: [String: String] {
        [
            "M3TER_BASE_URL": baseURL.absoluteString, "M3TER_ORG_ID": orgId, "M3TER_API_KEY": apiKey,
            "M3TER_API_SECRET": apiSecret,
        ]
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
