import Foundation

/// Helpers shared by the test targets.
public enum TestSupport {
    /// A fresh, empty temporary directory.
    public static func temporaryDirectory(_ label: String = "bulk-update") throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
