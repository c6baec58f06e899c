import Foundation

/// Golden files: expected renderings kept in the test tree, reviewed in the diff when they change.
///
/// A test compares what it rendered with `Tests/<Target>/Golden/<name>`. Run the tests with
/// `UPDATE_GOLDEN=1` to write the files from the current output instead (then review the diff).
public enum Golden {
    /// Where a test target's golden files live: the `Golden` folder next to the calling file.
    public static func url(_ name: String, filePath: String = #filePath) -> URL {
        URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("Golden")
            .appendingPathComponent(name)
    }

    /// The golden file's text when `actual` differs from it (or it is missing), `nil` when they match.
    ///
    /// With `UPDATE_GOLDEN=1` in the environment the file is (re)written from `actual` and `nil` returned.
    public static func mismatch(_ actual: String, name: String, filePath: String = #filePath) throws -> String? {
        let file = url(name, filePath: filePath)
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(
                at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(actual.utf8).write(to: file)
            return nil
        }
        guard let expected = try? String(contentsOf: file, encoding: .utf8) else {
            return "(missing golden file \(file.path); run the tests with UPDATE_GOLDEN=1 to write it)"
        }
        return expected == actual ? nil : expected
    }
}
