import Testing

@Suite struct PlannerTestsPlaceholder {
    @Test("the target builds") func builds() { #expect(Bool(true)) }
}
