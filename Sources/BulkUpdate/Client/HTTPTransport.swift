/// Sends one HTTP request and returns the response, whatever its status.
///
/// Implementations never retry and never interpret the status: that is the client's job. A
/// failure without a response is `APIError.transport(message:requestSent:)`, where `requestSent`
/// is false only when the request certainly never reached the server; cancellation is
/// `APIError.cancelled`.
public protocol HTTPTransport: Sendable {
    /// Sends `request` once.
    func send(_ request: HTTPRequest) async throws(APIError) -> HTTPResponse
}
