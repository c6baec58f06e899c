import Foundation
import Testing

@testable import BulkUpdate

@Suite("URLSessionTransport over loopback")
struct URLSessionTransportTests {
    @Test("sends method, headers and body and returns status, headers and body")
    func roundTrip() async throws {
        let listener = try LoopbackListener { _ in
            LoopbackListener.response(status: 409, headers: ["Retry-After": "2"], body: #"{"message":"version"}"#)
        }
        defer { listener.stop() }
        let transport = URLSessionTransport(maxConnections: 4, timeout: 10)
        let url = try #require(URL(string: "http://127.0.0.1:\(listener.port)/organizations/o/integrationconfigs/a"))
        let response = try await transport.send(
            HTTPRequest(
                method: .put, url: url, headers: ["Authorization": "Bearer t", "Content-Type": "application/json"],
                body: Data(#"{"version":3}"#.utf8)))
        #expect(response.status == 409)
        #expect(response.header("retry-after") == "2")
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"message":"version"}"#)
        let request = try #require(listener.requests.first)
        #expect(request.hasPrefix("PUT /organizations/o/integrationconfigs/a HTTP/1.1\r\n"))
        #expect(request.lowercased().contains("authorization: bearer t"))
        #expect(request.hasSuffix(#"{"version":3}"#))
    }

    @Test("a refused connection is a transport error that certainly was not sent")
    func refused() async throws {
        let port = try LoopbackListener.unusedPort()
        let url = try #require(URL(string: "http://127.0.0.1:\(port)/x"))
        let transport = URLSessionTransport(maxConnections: 1, timeout: 10)
        await #expect(
            throws: APIError.transport(
                message: "could not connect to http://127.0.0.1:\(port) (connection refused?)", requestSent: false)
        ) {
            try await transport.send(HTTPRequest(method: .put, url: url, body: Data("{}".utf8)))
        }
    }

    @Test("a connection closed after the request is a transport error that may have been processed")
    func droppedAfterSending() async throws {
        let listener = try LoopbackListener { _ in nil }
        defer { listener.stop() }
        let url = try #require(URL(string: "http://127.0.0.1:\(listener.port)/x"))
        let transport = URLSessionTransport(maxConnections: 1, timeout: 10)
        do {
            _ = try await transport.send(HTTPRequest(method: .put, url: url, body: Data("{}".utf8)))
            Issue.record("expected a transport error")
        } catch {
            guard case .transport(_, let requestSent) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(requestSent)
        }
        #expect(listener.requests.count == 1)
    }

    @Test(
        "maps URLError codes to requestSent",
        arguments: [
            (URLError.Code.cannotConnectToHost, false), (.cannotFindHost, false), (.dnsLookupFailed, false),
            (.secureConnectionFailed, false), (.timedOut, true), (.networkConnectionLost, true),
            (.badServerResponse, true),
            (.unknown, true),
        ])
    func mapping(code: URLError.Code, requestSent: Bool) throws {
        let url = try #require(URL(string: "https://api.m3ter.com/organizations/o?nextToken=secret"))
        let error = URLSessionTransport.apiError(for: URLError(code), url: url)
        guard case .transport(let message, let sent) = error else {
            Issue.record("unexpected \(error)")
            return
        }
        #expect(sent == requestSent)
        #expect(message.contains("https://api.m3ter.com"))
        #expect(!message.contains("nextToken"))
        #expect(URLSessionTransport.apiError(for: URLError(.cancelled), url: url) == .cancelled)
    }
}
