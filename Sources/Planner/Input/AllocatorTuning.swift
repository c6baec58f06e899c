import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Process-wide allocator settings for planning large inputs, applied once by the executables.
///
/// glibc grows the heaps of its per-thread arenas a few pages at a time and trims them as soon as
/// their top is free: planning a million configs on two cores made 159,000 `mprotect` calls
/// (about 5 % of the plan's CPU). Growing by 64 MB and trimming only above 256 MB free takes that
/// to under a hundred, for at most that much memory held free per arena.
public enum AllocatorTuning {
    /// Applies the settings (no-op where the allocator is not glibc's).
    public static func apply() {
        #if canImport(Glibc)
            // `mallopt` is declared in <malloc.h>, which the Glibc module does not export.
            guard let symbol = dlsym(nil, "mallopt") else { return }
            typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
            let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
            let trimThreshold: Int32 = -1  // M_TRIM_THRESHOLD
            let topPad: Int32 = -2  // M_TOP_PAD
            _ = mallopt(topPad, 64 << 20)
            _ = mallopt(trimThreshold, 256 << 20)
        #endif
    }
}
