import Testing

/// Every end-to-end suite runs inside this one, one test at a time: each test drives real
/// processes against a real server, and running them all at once on a 2-core machine turns
/// timing facts (a 2-second token lifetime, latency) into a measure of the machine's load.
@Suite("end to end", .serialized)
enum EndToEnd {}
