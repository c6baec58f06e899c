import Foundation

/// The position after the last config of a page, carried in the opaque `nextToken`.
///
/// The list is ordered newest first by `dtCreated`, then by `id` (both descending); a cursor names
/// the last item returned, so pages stay consistent when configs are created or deleted meanwhile.
struct PageCursor: Equatable {
    var dtCreated: String
    var id: String

    /// The opaque token: URL-safe base64 of the position.
    var token: String {
        Data("v1\n\(dtCreated)\n\(id)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Decodes a token made by `token`; nil when it is not one.
    init?(token: String) {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else {
            return nil
        }
        let parts = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1" else { return nil }
        self.init(dtCreated: String(parts[1]), id: String(parts[2]))
    }

    init(dtCreated: String, id: String) {
        self.dtCreated = dtCreated
        self.id = id
    }
}
