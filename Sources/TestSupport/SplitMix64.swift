import Sandbox

/// A seeded random-number generator for tests (SplitMix64): the same seed, the same sequence,
/// so property tests and jitter are reproducible. It is the sandbox's generator, under the name
/// tests know it by.
public typealias SplitMix64 = SeededRandom
