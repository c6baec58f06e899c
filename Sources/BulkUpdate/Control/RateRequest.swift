import Foundation

/// What `bulk-update rethrottle` asks of the process running on a run directory: the file
/// `control.json` in it (see ``RunControl``).
public struct RateRequest: Sendable, Hashable, Codable {
    /// A fresh id per request (a UUID); the running process journals it with the change, which is
    /// how `rethrottle` learns that its request was taken.
    public var request: String
    /// The process the request is for (the holder of the run's lock), so that a request left
    /// behind by an earlier process is never taken by a later one.
    public var pid: Int32
    /// The new rate in requests per second; 0 pauses.
    public var rate: Double
    /// When it was asked for.
    public var requestedAt: Date

    /// Creates a request.
    public init(request: String, pid: Int32, rate: Double, requestedAt: Date) {
        self.request = request
        self.pid = pid
        self.rate = rate
        self.requestedAt = requestedAt
    }
}
