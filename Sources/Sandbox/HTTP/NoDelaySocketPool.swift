import FlyingFox
import FlyingSocks
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// FlyingFox's socket pool with `TCP_NODELAY` set on every socket it waits for.
///
/// FlyingFox writes a response's header and body in two writes. With Nagle's algorithm on, the
/// body waits for the client's delayed ACK of the header: about 40 ms per request on a keep-alive
/// connection, which capped one sequential client at ~25 requests/s. The listening socket passes
/// the option on to accepted connections, and each connection gets it again whenever it waits.
struct NoDelaySocketPool: AsyncSocketPool {
    private let base: any AsyncSocketPool

    init(base: any AsyncSocketPool = HTTPServer.defaultPool()) {
        self.base = base
    }

    func prepare() async throws { try await base.prepare() }

    func run() async throws { try await base.run() }

    func suspendSocket(_ socket: Socket, untilReadyFor events: Socket.Events) async throws {
        try? socket.setValue(true, for: BoolSocketOption(level: Int32(IPPROTO_TCP), name: TCP_NODELAY))
        try await base.suspendSocket(socket, untilReadyFor: events)
    }
}
