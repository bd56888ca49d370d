import Foundation
import Testing

@testable import LinbuildModel
@testable import LinbuildRun
@testable import LinbuildSupport

/// What prune reads: its options, the references and times it parses, the registry's next page.
@Suite struct PruneInputsTests {
    @Test func pruneIsADryRunKeepingFiveUnlessTold() throws {
        let options = try Options.parse(["prune"], environment: [:])
        #expect(options.subcommand == .prune && !options.apply && options.keep == 5 && options.olderThanDays == nil)
        let told = try Options.parse(["prune", "--keep", "2", "--older-than", "30", "--apply", "--registry", "r:5000"], environment: [:])
        #expect(told.apply && told.keep == 2 && told.olderThanDays == 30 && told.registry == "r:5000")
    }

    @Test(arguments: [["--keep", "0"], ["--keep", "x"], ["--older-than", "-1"], ["--arch", "hopper"], ["extra"]])
    func pruneRefusesWhatItCannotUse(_ arguments: [String]) {
        #expect(throws: LinbuildError.self) { try Options.parse(["prune"] + arguments, environment: [:]) }
        #expect((try? Options.parse(["prune"] + arguments, environment: [:])) == nil)
    }

    @Test func aReferenceWithADigestIsAskedByTheDigest() throws {
        let pinned = try #require(ImageReference("127.0.0.1:5000/ns/dev@sha256:abc"))
        #expect(pinned.registry == "127.0.0.1:5000" && pinned.name == "ns/dev" && pinned.tag == "sha256:abc")
        let both = try #require(ImageReference("ubuntu:22.04@sha256:def"))
        #expect(both.name == "library/ubuntu" && both.tag == "sha256:def")
        #expect(ImageReference("ns/dev")?.tag == nil)
    }

    @Test func createdLabelsParseBackToTheirTime() {
        #expect(UTCTime.parseInternetDateTime("2024-03-01T12:00:00Z")?.timeIntervalSince1970 == 1_709_294_400)
        #expect(UTCTime.parseInternetDateTime("2024-03-01T12:00:00.5Z")?.timeIntervalSince1970 == 1_709_294_400)
        #expect(UTCTime.parseInternetDateTime("2024-03-01T12:00:00+01:00") == nil)
        #expect(UTCTime.parseInternetDateTime("yesterday") == nil)
    }

    @Test func theTagListsNextPageIsReadFromItsLinkHeader() {
        #expect(RegistryClient.nextPage(#"</v2/ns/dev/tags/list?last=b&n=100>; rel="next""#) == "/v2/ns/dev/tags/list?last=b&n=100")
        #expect(RegistryClient.nextPage(#"</v2/ns/dev/tags/list?last=b>; rel="prev""#) == nil)
    }
}
