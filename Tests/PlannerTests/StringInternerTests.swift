import Foundation
import Testing

@testable import Planner

@Suite("String interner")
struct StringInternerTests {
    static func intern(_ text: String, in interner: inout StringInterner) -> (text: String, slot: Int?) {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { interner.intern($0) }
    }

    @Test("equal texts get the same slot, different texts different slots, and every text comes back as given")
    func slots() {
        var interner = StringInterner()
        var slotOf: [String: Int] = [:]
        for round in 0..<3 {
            for index in 0..<300 {
                let text = index % 2 == 0 ? "value-\(index)-with-a-long-tail" : "v\(index)é"
                let interned = Self.intern(text, in: &interner)
                #expect(interned.text == text)
                let slot = interned.slot ?? -1
                #expect(slot >= 0)
                if round == 0 {
                    #expect(!slotOf.values.contains(slot))
                    slotOf[text] = slot
                } else {
                    #expect(slotOf[text] == slot)
                }
            }
        }
        #expect(interner.isEnabled)
    }

    @Test("a full table still returns correct texts, without slots for the ones left out")
    func full() {
        var interner = StringInterner(trial: .max)
        for index in 0..<(StringInterner.capacity) {
            let interned = Self.intern("text number \(index)", in: &interner)
            #expect(interned.text == "text number \(index)")
            #expect((interned.slot != nil) == (index < StringInterner.capacity / 2))
        }
        #expect(Self.intern("text number 1", in: &interner).slot != nil)
    }

    @Test("interning switches off for a column whose values rarely repeat")
    func switchesOff() {
        var interner = StringInterner(trial: 100)
        for index in 0..<150 {
            let interned = Self.intern("https://hooks.example.com/\(index)", in: &interner)
            #expect(interned.text == "https://hooks.example.com/\(index)")
            #expect((interned.slot == nil) == (index >= 99))
        }
        #expect(!interner.isEnabled)
    }

    @Test("interning stays on for a column whose values repeat")
    func staysOn() {
        var interner = StringInterner(trial: 100)
        for index in 0..<150 { _ = Self.intern("credential-\(index % 5)", in: &interner) }
        #expect(interner.isEnabled)
        #expect(Self.intern("", in: &interner).text.isEmpty)
    }

    @Test("only texts not in the table yet are tested, and a rejected text is never interned")
    func validation() {
        var interner = StringInterner()
        var tested = 0
        let good = Array("a-text-long-enough-to-allocate".utf8)
        for _ in 0..<3 {
            let interned = good.withUnsafeBytes { bytes in
                interner.intern(
                    bytes,
                    where: { _ in
                        tested += 1
                        return true
                    })
            }
            #expect(interned?.text == "a-text-long-enough-to-allocate")
        }
        #expect(tested == 1)
        let bad = Array("rejected".utf8)
        for _ in 0..<2 {
            #expect(bad.withUnsafeBytes { bytes in interner.intern(bytes, where: { _ in false }) } == nil)
        }
    }
}
