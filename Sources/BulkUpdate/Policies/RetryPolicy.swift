import Foundation

/// When to retry a failed request and how long to wait first: a pure value type.
///
/// Retryable: 408, 429, 5xx and transport errors, with exponential backoff `min(0.5·2ⁿ, 8)` s
/// (n = retries so far) and jitter; a server's `Retry-After` (seconds or an HTTP date) or
/// `retry-after-ms` wins, up to 60 s.
/// Writes retry only what certainly did not reach the server: 429 and a connection that was never
/// made. 400, 401, 403 and 404 are never retried here (401/403 get one token refresh in the client).
public struct RetryPolicy: Sendable, Hashable {
    /// Whether the request may be repeated without a second effect.
    public enum RequestKind: Sendable, Hashable {
        /// GET, list, token exchange: safe to repeat.
        case read
        /// PUT, enable: repeated only when the server certainly did not process it.
        case write
    }

    /// What went wrong with one attempt.
    public enum Failure: Sendable, Hashable {
        /// The server answered with this status.
        case status(Int)
        /// No response; `requestSent` is false only when the request certainly never left.
        case transport(requestSent: Bool)
    }

    /// What to do next.
    public enum Decision: Sendable, Hashable {
        /// Wait this long, then send again.
        case retry(after: Duration)
        /// Give up: report the failure.
        case giveUp
    }

    /// Attempts in total, the first one included (default 6).
    public var maxAttempts: Int
    /// The first backoff (default 0.5 s).
    public var baseDelay: Duration
    /// The longest backoff (default 8 s).
    public var maxDelay: Duration
    /// The longest server-requested delay honoured (default 60 s).
    public var maxServerDelay: Duration
    /// The fraction of each backoff that is random (default 0.5: a backoff `d` waits in `d/2..<d`).
    public var jitter: Double

    /// A policy; the defaults are the documented ones.
    public init(
        maxAttempts: Int = 6, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(8),
        maxServerDelay: Duration = .seconds(60), jitter: Double = 0.5
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxServerDelay = maxServerDelay
        self.jitter = min(1, max(0, jitter))
    }

    /// Whether `failure` may be retried for a request of this kind (ignoring the attempt count).
    public func isRetryable(_ failure: Failure, kind: RequestKind) -> Bool {
        switch (failure, kind) {
        case (.status(429), _): true
        case (.transport(requestSent: false), _): true
        case (.status(let status), .read): status == 408 || (500...599).contains(status)
        case (.transport(requestSent: true), .read): true
        case (.status, .write), (.transport(requestSent: true), .write): false
        }
    }

    /// The backoff before retry number `retry` (0 for the first retry) without jitter: `min(0.5·2ⁿ, 8)` s.
    public func backoff(retry: Int) -> Duration {
        let factor = Double(1 << min(max(0, retry), 30))
        return min(maxDelay, Duration.seconds(exactly: baseDelay.inSeconds * factor))
    }

    /// The backoff before retry number `retry`, with jitter drawn from `generator`.
    public func jitteredBackoff(retry: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        jitteredBackoff(retry: retry, unit: Double.random(in: 0..<1, using: &generator))
    }

    /// ``backoff(retry:)`` with jitter from `unit`, a random number in 0..<1 (for callers that share
    /// one random source across tasks, like the executor).
    public func jitteredBackoff(retry: Int, unit: Double) -> Duration {
        let full = backoff(retry: retry).inSeconds
        return .seconds(exactly: full * (1 - jitter) + full * jitter * unit)
    }

    /// Decides after attempt number `attempt` (1 for the first) failed.
    ///
    /// - Parameters:
    ///   - serverDelay: what the server asked for (`Retry-After` / `retry-after-ms`), if anything.
    public func decide(
        after failure: Failure, attempt: Int, kind: RequestKind, serverDelay: Duration? = nil,
        using generator: inout some RandomNumberGenerator
    ) -> Decision {
        guard attempt < maxAttempts, isRetryable(failure, kind: kind) else { return .giveUp }
        if let serverDelay {
            return .retry(after: min(max(.zero, serverDelay), maxServerDelay))
        }
        return .retry(after: jitteredBackoff(retry: attempt - 1, using: &generator))
    }

    /// The delay a response asks for: `retry-after-ms` (milliseconds), or `Retry-After` as seconds or
    /// as an HTTP date (RFC 9110 §10.2.3: wait until then; a date already past asks for no wait).
    ///
    /// Values that are neither non-negative numbers nor HTTP dates (garbage) are ignored. The cap
    /// (``maxServerDelay``) is applied by ``decide(after:attempt:kind:serverDelay:using:)``.
    ///
    /// - Parameter now: the current time, against which a date is measured.
    public static func serverDelay(retryAfter: String?, retryAfterMilliseconds: String?, now: Date) -> Duration? {
        if let text = retryAfterMilliseconds?.trimmingCharacters(in: .whitespaces), let value = Double(text),
            value >= 0, value.isFinite
        {
            return .seconds(exactly: value / 1000)
        }
        guard let text = retryAfter?.trimmingCharacters(in: .whitespaces) else { return nil }
        if let value = Double(text), value >= 0, value.isFinite {
            return .seconds(exactly: value)
        }
        if let date = HTTPDate.parse(text, now: now) {
            return .seconds(exactly: date.timeIntervalSince(now))
        }
        return nil
    }
}
