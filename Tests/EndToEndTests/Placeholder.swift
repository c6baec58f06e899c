import Testing

@Suite struct EndToEndTestsPlaceholder {
    @Test("the target builds") func builds() { #expect(Bool(true)) }
}
