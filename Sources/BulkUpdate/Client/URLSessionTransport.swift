import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// ``HTTPTransport`` over URLSession (FoundationNetworking on Linux).
///
/// Sized for the run: `httpMaximumConnectionsPerHost` is the concurrency (URLSession's default of 6
/// would silently queue the rest), and every request has an explicit timeout. No cookies, no
/// cache, no credential storage.
public final class URLSessionTransport: HTTPTransport, Sendable {
    private let session: URLSession
    /// The per-request timeout.
    public let timeout: TimeInterval

    /// A transport allowing `maxConnections` parallel connections per host, each request timing
    /// out after `timeout` seconds.
    public init(maxConnections: Int = 16, timeout: TimeInterval = 30) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = max(1, maxConnections)
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = max(timeout, 60)
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        configuration.urlCredentialStorage = nil
        self.session = URLSession(configuration: configuration)
        self.timeout = timeout
    }

    deinit {
        session.finishTasksAndInvalidate()
    }

    public func send(_ request: HTTPRequest) async throws(APIError) -> HTTPResponse {
        var urlRequest = URLRequest(
            url: request.url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        urlRequest.httpMethod = request.method.rawValue
        for (name, value) in request.headers {
            urlRequest.setValue(value, forHTTPHeaderField: name)
        }
        do {
            let (data, response): (Data, URLResponse)
            if let body = request.body {
                (data, response) = try await session.upload(for: urlRequest, from: body)
            } else {
                (data, response) = try await session.data(for: urlRequest)
            }
            guard let http = response as? HTTPURLResponse else {
                throw APIError.transport(message: "the response was not HTTP", requestSent: true)
            }
            var headers: [String: String] = [:]
            for (name, value) in http.allHeaderFields {
                if let name = name as? String, let value = value as? String { headers[name] = value }
            }
            return HTTPResponse(status: http.statusCode, headers: headers, body: data)
        } catch let error as APIError {
            throw error
        } catch is CancellationError {
            throw .cancelled
        } catch let error as URLError {
            throw Self.apiError(for: error, url: request.url)
        } catch {
            throw .transport(
                message: "\(request.method.rawValue) \(Self.describe(request.url)): \(error)", requestSent: true)
        }
    }

    /// Maps a URLError: `requestSent` is false only when no connection to the server was made.
    public static func apiError(for error: URLError, url: URL) -> APIError {
        if error.code == .cancelled { return .cancelled }
        let target = describe(url)
        let notSent: [URLError.Code: String] = [
            .cannotConnectToHost: "could not connect to \(target) (connection refused?)",
            .cannotFindHost: "could not resolve the host of \(target)",
            .dnsLookupFailed: "DNS lookup failed for \(target)",
            .notConnectedToInternet: "no network connection (reaching \(target))",
            .badURL: "bad URL \(target)",
            .unsupportedURL: "unsupported URL \(target)",
            .secureConnectionFailed: "TLS handshake with \(target) failed",
            .serverCertificateUntrusted: "the certificate of \(target) is not trusted",
            .serverCertificateHasBadDate: "the certificate of \(target) has expired or is not yet valid",
            .serverCertificateHasUnknownRoot: "the certificate of \(target) has an unknown root",
            .serverCertificateNotYetValid: "the certificate of \(target) is not yet valid",
            .clientCertificateRejected: "\(target) rejected the client certificate",
            .appTransportSecurityRequiresSecureConnection: "\(target) requires a secure connection",
        ]
        if let message = notSent[error.code] { return .transport(message: message, requestSent: false) }
        let message =
            switch error.code {
            case .timedOut: "request to \(target) timed out"
            case .networkConnectionLost: "the connection to \(target) was lost before the response arrived"
            case .badServerResponse: "bad response from \(target)"
            default: "request to \(target) failed (URLError \(error.code.rawValue))"
            }
        return .transport(message: message, requestSent: true)
    }

    /// Scheme, host and port of `url`: enough to say where, never a query.
    private static func describe(_ url: URL) -> String {
        var text = "\(url.scheme ?? "http")://\(url.host ?? "?")"
        if let port = url.port { text += ":\(port)" }
        return text
    }
}
