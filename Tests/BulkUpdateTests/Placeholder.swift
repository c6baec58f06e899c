import Testing

@Suite struct BulkUpdateTestsPlaceholder {
    @Test("the target builds") func builds() { #expect(Bool(true)) }
}
