import Foundation
import Sandbox
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Another API user of the sandbox's org, over the real HTTP routes (for what the test API has no
/// shortcut for, like deleting a config).
struct OtherAPIUser {
    let sandbox: SandboxServer

    /// Deletes config `id` with `DELETE /organizations/{orgId}/integrationconfigs/{id}`; returns the status.
    func delete(id: String) async throws -> Int {
        var tokenRequest = URLRequest(url: sandbox.baseURL.appendingPathComponent("oauth/token"))
        tokenRequest.httpMethod = "POST"
        let basic = Data("\(sandbox.apiKey):\(sandbox.apiSecret)".utf8).base64EncodedString()
        tokenRequest.setValue("Basic \(basic)", forHTTPHeaderField: "Authorization")
        tokenRequest.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        tokenRequest.httpBody = Data("grant_type=client_credentials".utf8)
        let (tokenData, _) = try await URLSession.shared.data(for: tokenRequest)
        let grant = try #require(try JSONSerialization.jsonObject(with: tokenData) as? [String: Any])
        let token = try #require(grant["access_token"] as? String)
        var request = URLRequest(
            url: sandbox.baseURL.appendingPathComponent("organizations/\(sandbox.orgId)/integrationconfigs/\(id)"))
        request.httpMethod = "DELETE"
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let (_, response) = try await URLSession.shared.data(for: request)
        return try #require(response as? HTTPURLResponse).statusCode
    }
}
