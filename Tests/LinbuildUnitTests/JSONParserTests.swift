import Foundation
import LinbuildTestFixtures
import Testing

@testable import LinbuildSupport

/// The strict RFC 8259 parser linbuild reads presets with.
@Suite struct JSONParserTests {
    func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    @Test func parsesEveryKindOfValueAndKeepsKeyOrder() throws {
        let value = try parse(#" {"b": [1, -2.5e3, true, false, null, {}, []], "a": "x", "c": {"a": 1}} "#)
        guard case .object(let members) = value else { Issue.record("not an object"); return }
        #expect(members.map(\.key) == ["b", "a", "c"])
        #expect(
            members[0].value
                == .array([
                    .number(1, literal: "1"), .number(-2500, literal: "-2.5e3"), .bool(true), .bool(false),
                    .null, .object([]), .array([]),
                ]))
        #expect(members[1].value == .string("x"))
        #expect(members[2].value == .object([(key: "a", value: .number(1, literal: "1"))]))
    }

    @Test(arguments: [
        (#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{08}\u{0C}\n\r\t"),
        (#""\u0041\u00e9\u20AC""#, "Aé€"),
        (#""\u0000""#, "\u{0}"),
        (#""\ud83d\ude00""#, "😀"),
        (#""\uD834\uDD1E""#, "𝄞"),
        (#""\udbff\udfff""#, "\u{10FFFF}"),
        ("\"é😀 raw UTF-8\"", "é😀 raw UTF-8"),
        ("\"\u{7F}\"", "\u{7F}"),
        ("\"\"", ""),
    ])
    func stringEscapesAndUnicode(json: String, expected: String) throws {
        #expect(try parse(json) == .string(expected))
    }

    @Test(arguments: [
        ("0", 0.0), ("-0", -0.0), ("12", 12), ("1.5", 1.5), ("1e5", 100_000), ("1E+2", 100), ("-2.5e-3", -0.0025),
        ("123456789012", 123_456_789_012),
    ])
    func numbersKeepValueAndLiteral(literal: String, value: Double) throws {
        #expect(try parse(literal) == .number(value, literal: literal))
        guard case .number(_, let kept) = try parse(" \(literal) ") else { Issue.record("not a number"); return }
        #expect(kept == literal)
    }

    @Test func theFourWhitespaceCharactersAreAllowedAroundTokens() throws {
        #expect(
            try parse(" \t\r\n[ \t\r\n1 \t\r\n, \t\r\n2 \t\r\n] \t\r\n") == .array([.number(1, literal: "1"), .number(2, literal: "2")]))
    }

    @Test(arguments: [
        // structure
        "", " ", "[1,]", "{\"a\":1,}", "[,]", "{,}", "[1 2]", "{\"a\" 1}", "{\"a\":}", "{1: 2}", "{'a': 1}", "[1] 2", "[[[]]", "{\"a\":1",
        // literals
        "tru", "nul", "True", "NULL", "truex", "NaN", "Infinity", "-Infinity", "undefined",
        // numbers
        "01", "-01", "1.", ".5", "-", "+1", "1e", "1e+", "0x10", "1_000", "--1",
        // strings
        "\"unterminated", "\"\\x\"", "\"\\'\"", "'a'", "\"\\u12\"", "\"\\uZZZZ\"", "\"\\u+041\"", "\"\\u-041\"", "\"\\u 041\"",
        "\"\\ud800\"", "\"\\udc00\"", "\"\\ud83d\\u0041\"", "\"\\ud83d x\"", "\"\\ud83d\\ud83d\"",
        // raw control characters in strings
        "\"\u{01}\"", "\"a\tb\"", "\"a\nb\"", "\"\u{1F}\"",
        // whitespace JSON does not have
        "\u{0C}[]", "\u{A0}[]", "\u{0B}[]",
    ])
    func rejectsInvalidDocuments(_ text: String) {
        #expect(throws: JSONSyntaxError.self) { try parse(text) }
    }

    @Test(
        arguments: [
            [0xC3, 0x28],  // a lead byte without its continuation
            [0xC0, 0xAF],  // overlong '/'
            [0xE0, 0x80, 0xAF],  // overlong, three bytes
            [0xED, 0xA0, 0x80],  // an encoded surrogate
            [0xE2, 0x82],  // truncated
            [0x80],  // a lone continuation byte
            [0xF5, 0x80, 0x80, 0x80],  // beyond U+10FFFF
            [0xFF],
        ] as [[UInt8]])
    func rejectsInvalidUTF8InStrings(_ bytes: [UInt8]) {
        let document = [UInt8(ascii: "\"")] + bytes + [UInt8(ascii: "\"")]
        #expect(throws: JSONSyntaxError(line: 1, message: "invalid UTF-8 in a string")) { try JSONParser.parse(document) }
        // and outside a string it is not a token at all
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(bytes) }
    }

    @Test func errorsNameTheirLine() {
        #expect(throws: JSONSyntaxError(line: 4, message: "expected ',' or ']'")) { try parse("[\n1,\n2\n3]") }
        #expect(throws: JSONSyntaxError(line: 3, message: "control character in a string")) { try parse("{\n\"a\":\n\"\u{01}\"}") }
        #expect(throws: JSONSyntaxError(line: 1, message: "duplicated key \"a\"")) { try parse(#"{"a":1,"a":2}"#) }
    }

    @Test func duplicatedKeysAreRefusedOnlyWithinOneObject() throws {
        #expect(throws: JSONSyntaxError.self) { try parse(#"{"x": {"a": 1, "b": 2, "a": 3}}"#) }
        // "\u0061" is "a": the same key, however it is spelled
        #expect(throws: JSONSyntaxError.self) { try parse(#"{"a": 1, "\u0061": 2}"#) }
        #expect(try parse(#"{"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}]}"#) != .null)
    }

    @Test(arguments: ["[", "{\"k\":"])
    func nestingIsLimitedTo64Levels(_ opener: String) throws {
        let closer = opener == "[" ? "]" : "}"
        func nested(_ depth: Int) -> String {
            String(repeating: opener, count: depth) + "1" + String(repeating: closer, count: depth)
        }
        #expect((try? parse(nested(64))) != nil)
        #expect(throws: JSONSyntaxError(line: 1, message: "nested deeper than 64 levels")) { try parse(nested(65)) }
        // far past the limit it fails the same way instead of exhausting the stack
        #expect(throws: JSONSyntaxError.self) { try parse(String(repeating: opener, count: 100_000)) }
    }

    @Test func agreesWithFoundationOnTheShippedPresets() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Repository.presets))
        let ours = try JSONParser.parse(Array(data))
        let foundation = try JSONSerialization.jsonObject(with: data)
        #expect(Self.plain(ours) == Self.plain(foundation))
    }

    /// A JSON value as a comparable description, from either parser (booleans as numbers, since
    /// Foundation on Linux hands both back as `NSNumber`).
    static func plain(_ value: Any) -> String {
        switch value {
        case let json as JSONValue:
            switch json {
            case .null: return "null"
            case .bool(let flag): return "\(flag ? 1.0 : 0.0)"
            case .number(let number, _): return "\(number)"
            case .string(let text): return text.debugDescription
            case .array(let items): return "[" + items.map { plain($0) }.joined(separator: ",") + "]"
            case .object(let members):
                return "{"
                    + members.sorted { $0.key < $1.key }.map { "\($0.key.debugDescription):\(plain($0.value))" }.joined(separator: ",")
                    + "}"
            }
        case is NSNull: return "null"
        case let number as NSNumber: return "\(number.doubleValue)"
        case let text as String: return text.debugDescription
        case let items as [Any]: return "[" + items.map { plain($0) }.joined(separator: ",") + "]"
        case let object as [String: Any]:
            return "{" + object.sorted { $0.key < $1.key }.map { "\($0.key.debugDescription):\(plain($0.value))" }.joined(separator: ",")
                + "}"
        default: return "?\(value)"
        }
    }
}
