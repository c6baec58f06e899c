import FlyingFox

/// The lost-response fault: a response whose sending fails before a single byte is written.
///
/// FlyingFox turns a throwing handler into a 500, which is a response. A WebSocket payload is
/// different: the server asks this handler for its frames before it writes the upgrade header, and
/// when that throws it closes the connection. So the client sees the connection close with no HTTP
/// response at all, after the write has committed: exactly the case a client cannot tell from a
/// failed write.
struct LostResponse: WSHandler {
    struct Dropped: Error {}

    func makeFrames(for client: AsyncThrowingStream<WSFrame, any Error>) async throws -> AsyncStream<WSFrame> {
        throw Dropped()
    }
}
