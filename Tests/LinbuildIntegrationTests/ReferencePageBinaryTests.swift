import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

@testable import LinbuildCLI

/// `linbuild help reference` as the binary prints it: `docs/reference.md` is that text, checked in
/// (run `make docs` after changing an option or an exit code).
@Suite(.timeLimit(.minutes(5))) struct ReferencePageBinaryTests {
    @Test func docsReferenceIsWhatTheBinaryPrints() throws {
        // GIVEN the checked-in page
        let page = try String(contentsOfFile: Repository.root + "/docs/reference.md", encoding: .utf8)
        // WHEN the built binary prints the reference
        let run = try Run.command(Run.linbuild, ["help", "reference"], environment: ["NO_COLOR": "1"])
        // THEN they are the same text, byte for byte
        #expect(run.status == 0)
        #expect(run.stderr.isEmpty)
        #expect(page == run.stdout, "docs/reference.md is out of date: run make docs")
    }

    @Test func helpReferenceNeedsNoPresets() throws {
        // GIVEN a folder with no presets.json, WHEN the reference is asked for, THEN it is printed all the same
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("linbuild-ref-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let run = try Run.command(Run.linbuild, ["help", "reference"], environment: ["NO_COLOR": "1"], directory: empty)
        #expect(run.status == 0)
        #expect(run.stdout == ReferencePage.markdown())
    }
}
