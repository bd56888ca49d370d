import Foundation
import LinbuildTestSupport
import Testing

@testable import LinbuildCLI
@testable import LinbuildModel
@testable import LinbuildSupport

/// `docs/reference.md` is the binary's own `linbuild help reference`, checked in: it must be
/// exactly what the binary prints (run `make docs` after changing an option or an exit code).
@Suite struct ReferencePageTests {
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

    @Test func thePageNamesEveryOptionAndEveryExitCode() {
        let page = ReferencePage.markdown()
        for spec in OptionTable.all { #expect(page.contains("`--\(spec.name)"), "\(spec.name)") }
        for code in ExitCode.allCases { #expect(page.contains("| \(code.rawValue) | "), "\(code)") }
        for key in UpstreamLocations.keys { #expect(page.contains(key.environment)) }
    }

    @Test func everyDetailBelongsToAnOption() {
        #expect(Set(OptionTable.details.keys).isSubset(of: Set(OptionTable.all.map(\.name))))
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
