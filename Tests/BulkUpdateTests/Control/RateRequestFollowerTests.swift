import BulkUpdate
import Foundation
import Testing

@Suite("RateRequestFollower")
struct RateRequestFollowerTests {
    static func request(_ id: String, pid: Int32 = 42, rate: Double = 10) -> RateRequest {
        RateRequest(request: id, pid: pid, rate: rate, requestedAt: Date(timeIntervalSince1970: 0))
    }

    @Test("takes a request for this process once, then the next new one")
    func takesOnce() {
        var follower = RateRequestFollower(processID: 42)
        #expect(follower.take(nil) == nil)
        #expect(follower.take(Self.request("a")) == Self.request("a"))
        #expect(follower.take(Self.request("a")) == nil)
        #expect(follower.take(nil) == nil)
        #expect(follower.take(Self.request("b", rate: 0)) == Self.request("b", rate: 0))
        #expect(follower.lastRequest == "b")
    }

    @Test("ignores a request for another process (one left by an earlier run of the directory)")
    func otherProcess() {
        var follower = RateRequestFollower(processID: 42)
        #expect(follower.take(Self.request("old", pid: 7)) == nil)
        #expect(follower.take(Self.request("new")) == Self.request("new"))
    }

    @Test("ignores a rate that is negative or not a number", arguments: [-1, Double.nan, .infinity])
    func invalidRate(rate: Double) {
        var follower = RateRequestFollower(processID: 42)
        #expect(follower.take(Self.request("a", rate: rate)) == nil)
        #expect(follower.take(Self.request("b", rate: 5)) == Self.request("b", rate: 5))
    }
}
