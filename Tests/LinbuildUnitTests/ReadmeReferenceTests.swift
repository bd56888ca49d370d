import Foundation
import LinbuildTestSupport
import Testing
@testable import LinbuildSupport
@testable import LinbuildModel

/// The README's option and exit-code tables are a second copy of what the binary knows: they must
/// name exactly the options of `OptionTable` and the codes of `ExitCode`, no more and no fewer.
@Suite struct ReadmeReferenceTests {
    let rows: [String]

    init() throws {
        let text = try String(contentsOfFile: Repository.root + "/README.md", encoding: .utf8)
        rows = text.split(separator: "\n").map(String.init).filter { $0.hasPrefix("| ") }
    }

    @Test func theOptionTableNamesEveryOptionOfTheBinaryAndNoOther() throws {
        var documented: Set<String> = []
        for row in rows where row.hasPrefix("| `-") {
            let firstCell = row.dropFirst(2).prefix { $0 != "|" }
            var rest = Substring(firstCell)
            while let range = rest.range(of: "--") {
                let name = rest[range.upperBound...].prefix { $0.isLowercase || $0 == "-" }
                documented.insert(String(name))
                rest = rest[range.upperBound...]
            }
        }
        #expect(documented == Set(OptionTable.all.map(\.name)))
    }

    @Test func theExitCodeTableNamesEveryCodeAndNoOther() throws {
        var documented: Set<Int32> = []
        for row in rows {
            let cell = row.dropFirst(2).prefix { $0 != "|" }.trimmingCharacters(in: .whitespaces)
            let codes = cell.split(separator: "/").map { $0.trimmingCharacters(in: .whitespaces) }
            guard !codes.isEmpty, codes.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }) else { continue }
            for code in codes { documented.insert(Int32(code)!) }
        }
        #expect(documented == Set(ExitCode.allCases.map(\.rawValue)))
    }
}
