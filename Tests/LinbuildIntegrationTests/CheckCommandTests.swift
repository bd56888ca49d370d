import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

/// `linbuild check` as a user runs it: the binary, its output and its exit status.
@Suite(.timeLimit(.minutes(5))) struct CheckCommandTests {
    @Test func checkCommandPrintsEveryProblemAndExits65() throws {
        let scratch = try Scratch("check")
        defer { scratch.remove() }
        let folder = scratch.path
        try scratch.write("Dockerfile", ContractFixture.edited(("AS runtime\nARG LINNAEUS_REF", "AS runtime"), ("ARG FA_VER\n", "")))

        let run = try Run.command(
            Run.linbuild, ["check", "--arch", "all", "--presets", Repository.presets, "--dockerfile", folder + "/Dockerfile"])

        #expect(run.status == 65)
        #expect(run.stdout.isEmpty)
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 4, "\(run.stderr)")
        let prefix = "linbuild: error: \(folder)/Dockerfile:"
        #expect(lines.allSatisfy { $0.hasPrefix(prefix) })
        #expect(lines.map { $0.dropFirst(prefix.count).prefix { $0 != ":" } } == ["3", "9", "11", "12"])
    }

    @Test func checkCommandOnTheShippedFilesSaysOk() throws {
        let run = try Run.command(Run.linbuild, ["check", "--arch", "all", "--presets", Repository.presets])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.stdout.hasPrefix("ok: "))
        #expect(run.stdout.contains("ampere, turing, hopper"))
    }
}
