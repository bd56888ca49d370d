import Foundation
import LinbuildTestFixtures
import Testing

@testable import LinbuildSupport

/// The FIPS 180-4 SHA-256 behind the base-inputs digest.
@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        // The 448-bit NIST vector: its padding needs a second block
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        // The 896-bit NIST vector
        (
            "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
        ),
    ])
    func matchesTheNISTVectors(input: String, digest: String) {
        #expect(SHA256.hex(input) == digest)
        #expect(SHA256.hex(Array(input.utf8)) == digest)
    }

    @Test func matchesTheMillionAVector() {
        #expect(
            SHA256.hex([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func digestIs32BytesAndHexIs64LowercaseDigits() {
        #expect(SHA256.digest(Array("x".utf8)).count == 32)
        let hex = SHA256.hex("x")
        #expect(hex.count == 64 && hex.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(SHA256.hex("é") == SHA256.hex([0xC3, 0xA9]))
    }

}
