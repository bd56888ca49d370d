import Testing
@testable import LinbuildCore

@Test func placeholder() { #expect(Bool(true)) }
