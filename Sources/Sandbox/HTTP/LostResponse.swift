import FlyingFox
import FlyingSocks
import Foundation

/// The lost-response fault as FlyingFox responses: the write has committed, then the connection
/// closes before the client has a complete response.
///
/// FlyingFox turns a throwing handler into a 500, which is a response; these payloads fail while
/// the server is sending instead, which makes it close the connection.
enum LostResponse {
    /// Status line and headers (with the real `Content-Length`) are sent, then the connection
    /// closes before the body: the client gets a prompt transport error and knows the request
    /// reached the server.
    static func truncated(status: Int, body: Data) -> HTTPResponse {
        HTTPResponse(
            statusCode: HTTPStatusCode(status, phrase: "OK"), headers: [.contentType: "application/json"],
            body: HTTPBodySequence(from: FailingBytes(), count: max(body.count, 1))
        )
    }

    /// Not a single byte is sent: the server asks a WebSocket handler for its frames before it
    /// writes anything, and this one throws. Measured here: on a reused keep-alive connection the
    /// curl CLI silently resends the request (doubling the write), and URLSession on Linux waits for
    /// its `timeoutInterval` and then fails with a timeout (-1001).
    static func empty() -> HTTPResponse {
        HTTPResponse(webSocket: ThrowingHandler())
    }

    struct Dropped: Error {}

    private struct ThrowingHandler: WSHandler {
        func makeFrames(for client: AsyncThrowingStream<WSFrame, any Error>) async throws -> AsyncStream<WSFrame> {
            throw Dropped()
        }
    }

    /// A body that fails on its first read.
    private struct FailingBytes: AsyncBufferedSequence {
        typealias Element = UInt8

        struct AsyncIterator: AsyncBufferedIteratorProtocol {
            mutating func next() async throws -> UInt8? { throw Dropped() }
            mutating func nextBuffer(suggested count: Int) async throws -> [UInt8]? { throw Dropped() }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator() }
    }
}
