import Foundation
import LinbuildTestFixtures
import Testing

@testable import LinbuildCLI
@testable import LinbuildModel
@testable import LinbuildSupport

/// `docs/reference.md` is the binary's own `linbuild help reference`, checked in: it must be
/// exactly what the binary prints (run `make docs` after changing an option or an exit code).
@Suite struct ReferencePageTests {

    @Test func thePageNamesEveryOptionAndEveryExitCode() {
        let page = ReferencePage.markdown()
        for spec in OptionTable.all { #expect(page.contains("`--\(spec.name)"), "\(spec.name)") }
        for code in ExitCode.allCases { #expect(page.contains("| \(code.rawValue) | "), "\(code)") }
        for key in UpstreamLocations.keys { #expect(page.contains(key.environment)) }
    }

    @Test func everyDetailBelongsToAnOption() {
        #expect(Set(OptionTable.details.keys).isSubset(of: Set(OptionTable.all.map(\.name))))
    }

}
