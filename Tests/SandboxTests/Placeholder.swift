import Testing

@Suite struct SandboxTestsPlaceholder {
    @Test("the target builds") func builds() { #expect(Bool(true)) }
}
