import Dispatch
import Synchronization

/// The one place the planner uses more than one core: a `map` whose elements are computed on every
/// core, for the two stages that do the same pure work for each of many configs (building each
/// item, and encoding each item for the fingerprint).
///
/// The result is what `elements.map(transform)` gives, in the same order, whatever the number of
/// cores; `transform` must be a pure function of its element.
enum Parallel {
    /// `elements.map(transform)`, computed in chunks of `chunk` elements on every core.
    static func map<Element: Sendable, Result: Sendable>(
        _ elements: [Element], chunk: Int = 2_048, _ transform: @Sendable (Element) -> Result
    ) -> [Result] {
        let chunks = (elements.count + chunk - 1) / chunk
        guard chunks > 1 else { return elements.map(transform) }
        let parts = Mutex<[[Result]]>(Array(repeating: [], count: chunks))
        DispatchQueue.concurrentPerform(iterations: chunks) { index in
            let part = elements[(index * chunk)..<min(elements.count, (index + 1) * chunk)].map(transform)
            parts.withLock { $0[index] = part }
        }
        return parts.withLock { $0.flatMap { $0 } }
    }
}
