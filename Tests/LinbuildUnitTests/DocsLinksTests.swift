import Foundation
import LinbuildTestFixtures
import Testing

/// The README is a short guide that links into docs/: every relative link in it, in docs/ and in
/// bench/README.md must name a file that exists and, with `#anchor`, a heading in that file.
@Suite struct DocsLinksTests {
    static let pages = [
        "README.md", "docs/usage.md", "docs/design.md", "docs/testing.md", "docs/upstream.md", "docs/reference.md", "bench/README.md",
    ]

    /// GitHub's anchor for a heading: lower case, punctuation dropped, spaces as dashes.
    static func anchor(_ heading: String) -> String {
        String(
            heading.lowercased().unicodeScalars.compactMap { scalar -> Character? in
                if scalar == " " { return "-" }
                if scalar == "-" || scalar == "_" || CharacterSet.alphanumerics.contains(scalar) { return Character(scalar) }
                return nil
            })
    }

    static func anchors(in file: String) throws -> Set<String> {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        return Set(text.split(separator: "\n").filter { $0.hasPrefix("#") }.map { anchor(String($0.drop { $0 == "#" }.dropFirst())) })
    }

    /// `](target)` occurrences that are not web addresses.
    static func links(in text: String) -> [String] {
        var found: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "](") {
            let target = rest[open.upperBound...].prefix { $0 != ")" && $0 != " " }
            if !target.contains("://") && !target.hasPrefix("mailto:") { found.append(String(target)) }
            rest = rest[open.upperBound...]
        }
        return found
    }

    @Test(arguments: pages)
    func everyRelativeLinkReachesAFileAndHeading(_ page: String) throws {
        let path = Repository.root + "/" + page
        let directory = (path as NSString).deletingLastPathComponent
        let links = Self.links(in: try String(contentsOfFile: path, encoding: .utf8))
        for link in links {
            let parts = link.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let file = parts[0].isEmpty ? path : ((directory as NSString).appendingPathComponent(parts[0]) as NSString).standardizingPath
            #expect(FileManager.default.fileExists(atPath: file), "\(page): \(link) names no file")
            if parts.count == 2, file.hasSuffix(".md"), FileManager.default.fileExists(atPath: file) {
                #expect(try Self.anchors(in: file).contains(parts[1]), "\(page): \(link) names no heading")
            }
        }
    }

    @Test func theGuideIsShortAndLinksEveryDocsPage() throws {
        let readme = try String(contentsOfFile: Repository.root + "/README.md", encoding: .utf8)
        #expect(readme.split(separator: "\n", omittingEmptySubsequences: false).count <= 150)
        for page in Self.pages where page.hasPrefix("docs/") { #expect(readme.contains("](\(page)"), "\(page)") }
        #expect(readme.contains("make image ARCH=") && readme.contains("make test"))
    }
}
