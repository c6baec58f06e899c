import Foundation

/// Counts what the client sends: requests, retries, 429s, token exchanges, and requests per second.
public actor RequestMetrics {
    private let clock: ErasedClock
    /// Every request sent (token, list, get, put, enable), retries included.
    public private(set) var requests = 0
    /// Requests that repeated an earlier attempt (a retry or the resend after a token refresh).
    public private(set) var retries = 0
    /// 429 responses received.
    public private(set) var throttled = 0
    /// Token exchanges sent.
    public private(set) var tokenRequests = 0
    private var perSecond: [Int] = []
    /// When counting began (the wall-clock time of second 0 of ``requestsPerSecond``).
    public nonisolated let startedAt: Date
    /// Where the run began (``beginRun()``): the clock's seconds and the requests sent before.
    private var runStart: (seconds: Double, requests: Int) = (0, 0)

    /// Metrics whose per-second buckets start now on `clock` (`startedAt` on the wall clock).
    public init(clock: some Clock<Duration> = ContinuousClock(), startedAt: Date = Date()) {
        self.clock = ErasedClock(clock)
        self.startedAt = startedAt
    }

    /// Counts one request as it is sent.
    public func recordRequest(isRetry: Bool = false, isTokenRequest: Bool = false) {
        requests += 1
        if isRetry { retries += 1 }
        if isTokenRequest { tokenRequests += 1 }
        let second = max(0, Int(clock.now.inSeconds.rounded(.down)))
        if perSecond.count <= second {
            perSecond.append(contentsOf: repeatElement(0, count: second + 1 - perSecond.count))
        }
        perSecond[second] += 1
    }

    /// Counts one 429 response.
    public func recordThrottle() {
        throttled += 1
    }

    /// Requests sent in each whole second since these metrics were created (index = second).
    public var requestsPerSecond: [Int] { perSecond }

    /// Marks the start of the run (after the plan was confirmed): ``averageRate`` counts from here.
    public func beginRun() {
        runStart = (clock.now.inSeconds, requests)
    }

    /// The run's average request rate: requests sent since ``beginRun()`` (or since counting began)
    /// over the time since then. What the progress line shows, and, at the end, the report's.
    public var averageRate: Double {
        let elapsed = clock.now.inSeconds - runStart.seconds
        return elapsed > 0 ? Double(requests - runStart.requests) / elapsed : 0
    }

    /// The figures so far, as the report's `RunStats`.
    public func snapshot(startedAt: Date, endedAt: Date? = nil) -> RunStats {
        RunStats(
            startedAt: startedAt, endedAt: endedAt, requests: requests, retries: retries, throttled: throttled,
            tokenRequests: tokenRequests, requestsPerSecond: perSecond, requestRate: averageRate
        )
    }
}
