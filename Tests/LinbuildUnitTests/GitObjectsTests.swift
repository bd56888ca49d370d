import Foundation
import LinbuildTestFixtures
import Testing

@testable import LinbuildModel
@testable import LinbuildRun

/// Reading `git cat-file --batch-command`'s answers and raw tree objects, byte by byte.
@Suite struct GitObjectsTests {
    let sha = String(repeating: "ab", count: 20)

    @Test func infoAnswersAreReadInOrderAndOnlyWhenWhole() throws {
        let text = "\(sha) commit 116\nrefs/heads/none^{} missing\nabc1^{commit} ambiguous\n"
        let parsed = try #require(GitObjects.parse(Array(text.utf8), count: 3, withBodies: false))
        #expect(parsed.answers.map(\.info) == [.object(sha: sha, type: "commit", size: 116), .missing, .ambiguous])
        #expect(parsed.consumed == text.utf8.count)
        // Not yet whole: the last line has not arrived
        #expect(GitObjects.parse(Array(text.dropLast(4).utf8), count: 3, withBodies: false) == nil)
    }

    @Test func contentsCarryTheirBytesWhateverTheyHold() throws {
        let body: [UInt8] = [0x31, 0x0A, 0x00, 0xFF, 0x0A]  // newlines and NUL inside the body
        let bytes = Array("\(sha) blob 5\n".utf8) + body + [0x0A] + Array("missing-name missing\n".utf8)
        let parsed = try #require(GitObjects.parse(bytes, count: 2, withBodies: true))
        #expect(parsed.answers.map(\.info) == [.object(sha: sha, type: "blob", size: 5), .missing])
        #expect(parsed.answers[0].bytes == body)
        #expect(GitObjects.parse(Array(bytes.prefix(20 + 40)), count: 2, withBodies: true) == nil)
    }

    @Test func aRawTreeListsModesNamesAndHashes() {
        let hash = (0..<20).map { UInt8($0) }
        let tree: [UInt8] =
            Array("100644 file.txt".utf8) + [0] + hash + Array("40000 sub dir".utf8) + [0] + hash.reversed()
            + Array("160000 module".utf8) + [0] + hash
        let entries = SourceContents.parseTree(tree, hashLength: 20)
        #expect(entries.map(\.mode) == ["100644", "40000", "160000"])
        #expect(entries.map(\.name) == ["file.txt", "sub dir", "module"])
        #expect(entries[0].sha == "000102030405060708090a0b0c0d0e0f10111213")
        #expect(entries[1].sha == "131211100f0e0d0c0b0a09080706050403020100")
        // A tree cut short loses its last entry rather than reading past the end
        #expect(SourceContents.parseTree(Array(tree.dropLast()), hashLength: 20).count == 2)
    }
}
