import Testing
@testable import LinbuildCore

/// The two small pieces linbuild writes instead of depending on a package.
@Suite struct JSONAndDigestTests {
    @Test func parsesEveryKindOfValueInOrder() throws {
        let value = try JSONParser.parse(Array(#" {"b": [1, -2.5e3, true, false, null], "a": "x\"\\\/\n\u00e9\ud83d\ude00"} "#.utf8))
        guard case .object(let members) = value else { Issue.record("not an object"); return }
        #expect(members.map(\.key) == ["b", "a"])
        #expect(members[1].value == .string("x\"\\/\né😀"))
        guard case .array(let items) = members[0].value else { Issue.record("not an array"); return }
        #expect(items.count == 5)
        #expect(items[1] == .number(-2500, literal: "-2.5e3"))
        #expect(items[2] == .bool(true))
        #expect(items[4] == .null)
    }

    @Test(arguments: ["", "[1,]", "{\"a\":1,}", "01", "1.", "-", "\"\u{01}\"", "\"\\x\"", "\"\\ud800\"", "[1] 2", "{\"a\" 1}",
                      "tru", "{1: 2}", "\"unterminated", "[[[]]"])
    func rejectsInvalidDocuments(_ text: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test func rejectsInvalidUTF8AndDuplicateKeysAndDeepNesting() {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse([UInt8(ascii: "\""), 0xC3, 0x28, UInt8(ascii: "\"")]) }
        #expect(throws: JSONSyntaxError(line: 1, message: "duplicated key \"a\"")) { try JSONParser.parse(Array(#"{"a":1,"a":2}"#.utf8)) }
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(Array(String(repeating: "[", count: 65).utf8) + Array(String(repeating: "]", count: 65).utf8)) }
        #expect((try? JSONParser.parse(Array(String(repeating: "[", count: 64).utf8) + Array(String(repeating: "]", count: 64).utf8))) != nil)
    }

    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func sha256MatchesTheNISTVectors(input: String, digest: String) {
        #expect(SHA256.hex(input) == digest)
    }

    @Test func sha256OfAMillionAs() {
        #expect(SHA256.hex([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}
