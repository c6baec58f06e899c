import Foundation

/// A failure to start the sandbox, with what to do about it.
public enum SandboxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The data file could not be read or decoded.
    case unreadableDataFile(path: String, reason: String)
    /// The data file holds something the API would never return (e.g. a duplicate id).
    case invalidData(path: String, reason: String)
    /// The faults are out of range.
    case invalidFaults([String])
    /// The options are unusable (e.g. a negative config count).
    case invalidOptions(String)
    /// The listening socket could not be opened.
    case cannotListen(host: String, port: UInt16, reason: String)

    public var description: String {
        switch self {
        case .unreadableDataFile(let path, let reason):
            "cannot read sandbox data file \(path): \(reason)"
        case .invalidData(let path, let reason):
            "invalid sandbox data file \(path): \(reason)"
        case .invalidFaults(let problems):
            "invalid sandbox faults: \(problems.joined(separator: "; "))"
        case .invalidOptions(let reason):
            "invalid sandbox options: \(reason)"
        case .cannotListen(let host, let port, let reason):
            "cannot listen on \(host):\(port): \(reason) (is the port in use? try --port 0)"
        }
    }
}
