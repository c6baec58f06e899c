/// Diff paths handed out before, so that equal paths share one array: a large plan changes the
/// same few paths in every item, and reading or building it need not hold a copy per item.
struct SharedPaths {
    /// At most this many paths are kept (a plan that changes many different paths shares none
    /// beyond them, and looking one up stays short).
    private static let limit = 64
    private var known: [[String]] = []

    /// `path`, or an equal path handed out before.
    mutating func shared(_ path: [String]) -> [String] {
        if let found = known.first(where: { $0 == path }) { return found }
        if known.count < Self.limit { known.append(path) }
        return path
    }
}
