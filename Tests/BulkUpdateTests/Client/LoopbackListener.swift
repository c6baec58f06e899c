import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A throwaway HTTP/1.1 listener on 127.0.0.1 (port 0) for transport smoke tests.
///
/// Each connection: read one request, pass its raw text to the handler, write what the handler
/// returns (`nil`: close the connection without answering), close. Runs on its own thread so a
/// blocking `accept` never holds a Swift concurrency thread.
final class LoopbackListener: @unchecked Sendable {
    typealias Handler = @Sendable (String) -> Data?

    let port: UInt16
    private let socket: Int32
    private let handler: Handler
    private let lock = NSLock()
    private var received: [String] = []

    init(handler: @escaping Handler) throws {
        let fd = Self.makeSocket()
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.port = UInt16(bigEndian: address.sin_port)
        self.socket = fd
        self.handler = handler
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// Raw text of every request received so far.
    var requests: [String] { lock.withLock { received } }

    /// Stops accepting (unblocks the accept thread).
    func stop() {
        shutdown(socket, Int32(SHUT_RDWR))
        close(socket)
    }

    /// A port on 127.0.0.1 where nothing listens (bound, then released).
    static func unusedPort() throws -> UInt16 {
        let listener = try LoopbackListener { _ in nil }
        listener.stop()
        return listener.port
    }

    private static func makeSocket() -> Int32 {
        #if canImport(Glibc)
            Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            Darwin.socket(AF_INET, SOCK_STREAM, 0)
        #endif
    }

    private func acceptLoop() {
        while true {
            let connection = accept(socket, nil, nil)
            guard connection >= 0 else { return }
            let request = readRequest(connection)
            lock.withLock { received.append(request) }
            if let response = handler(request) {
                response.withUnsafeBytes { buffer in
                    guard let base = buffer.baseAddress else { return }
                    var offset = 0
                    while offset < buffer.count {
                        let written = write(connection, base + offset, buffer.count - offset)
                        if written <= 0 { break }
                        offset += written
                    }
                }
            }
            shutdown(connection, Int32(SHUT_RDWR))
            close(connection)
        }
    }

    /// Reads headers and a `Content-Length` body.
    private func readRequest(_ connection: Int32) -> String {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(connection, &buffer, buffer.count)
            if count <= 0 { break }
            data.append(contentsOf: buffer[0..<count])
            guard let headerEnd = data.range(of: Data("\r\n\r\n".utf8)) else { continue }
            let head = String(decoding: data[..<headerEnd.lowerBound], as: UTF8.self).lowercased()
            let length =
                head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            if data.count - headerEnd.upperBound >= length { break }
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// A complete HTTP/1.1 response.
    static func response(status: Int, headers: [String: String] = [:], body: String = "") -> Data {
        var text = "HTTP/1.1 \(status) Status\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        return Data((text + "\r\n" + body).utf8)
    }
}
