import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

@testable import LinbuildSupport

/// The SHA-256 behind the base-inputs digest, against coreutils' `sha256sum`.
@Suite(.timeLimit(.minutes(5))) struct SHA256CommandTests {
    /// Every length around the 55/56/64-byte padding edges, checked against coreutils' `sha256sum`.
    @Test(arguments: [0, 1, 54, 55, 56, 57, 63, 64, 65, 111, 119, 120, 127, 128, 129, 1000])
    func agreesWithSha256sumAtBlockEdges(_ length: Int) throws {
        let input = String((0..<length).map { Character(UnicodeScalar(UInt8(ascii: "a") + UInt8($0 % 26))) })
        let result = try Run.command("sha256sum", [], input: input)
        #expect(result.status == 0)
        let expected = try #require(result.stdout.split(separator: " ").first.map(String.init))
        #expect(SHA256.hex(input) == expected)
    }
}
