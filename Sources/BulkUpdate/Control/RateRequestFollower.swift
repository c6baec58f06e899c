/// Which `control.json` requests a running process takes: the pure rule behind the session's poll.
///
/// A request is taken once, and only by the process it names: the file stays in the run directory
/// after the process ends, and a later `resume` (another pid) must not take it again.
public struct RateRequestFollower: Sendable, Hashable {
    /// The pid of this process.
    public let processID: Int32
    /// The id of the last request taken (or seen and refused), if any.
    public private(set) var lastRequest: String?

    /// A follower for the process `processID`.
    public init(processID: Int32) {
        self.processID = processID
    }

    /// The request to act on now, given what `control.json` holds (`nil`: no file, or unreadable).
    ///
    /// Returns `nil` for a request already seen, one for another process, and one whose rate is
    /// not a finite number of at least 0.
    public mutating func take(_ request: RateRequest?) -> RateRequest? {
        guard let request, request.request != lastRequest else { return nil }
        lastRequest = request.request
        guard request.pid == processID, request.rate.isFinite, request.rate >= 0 else { return nil }
        return request
    }
}
