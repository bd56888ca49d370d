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

    /// The run's locations come from LINBUILD_* too: a RUN that uses one with credentials as a
    /// plain argument is refused, naming the line, and the credentials are not printed.
    @Test func checkCommandReadsTheRunsLocationsFromTheEnvironmentAndExits65() throws {
        let scratch = try Scratch("check-credentials")
        defer { scratch.remove() }
        let path = try scratch.write(
            "Dockerfile",
            ContractFixture.edited(
                (
                    "ARG MAX_JOBS\n",
                    "ARG MAX_JOBS\nARG PYPI_INDEX=https://pypi.org/simple\nRUN pip download --index-url \"${PYPI_INDEX}\" six\n"
                ),
                ("ARG LINNAEUS_REF\n", "ARG LINNAEUS_REF\nARG PYPI_INDEX\nRUN --mount=type=secret,id=PYPI_INDEX pip install six\n")))
        let arguments = ["check", "--arch", "all", "--presets", Repository.presets, "--dockerfile", path]
        // WHEN nothing carries credentials THEN it is fine
        let plain = try Run.command(Run.linbuild, arguments, environment: ["LINBUILD_PYPI_INDEX": "https://mirror.example/simple"])
        #expect(plain.status == 0, "\(plain.output)")
        // WHEN LINBUILD_PYPI_INDEX carries a token THEN the base's RUN is refused, and the token is not printed
        let token = "ghp_FAKEcheck0001"
        let refused = try Run.command(
            Run.linbuild, arguments, environment: ["LINBUILD_PYPI_INDEX": "https://\(token)@mirror.example/simple"])
        #expect(refused.status == 65, "\(refused.output)")
        #expect(refused.stderr.hasPrefix("linbuild: error: \(path):11: a RUN in the 'base' stage uses $PYPI_INDEX"), "\(refused.stderr)")
        #expect(refused.stderr.split(separator: "\n").count == 1)
        #expect(!refused.output.contains(token))
    }
}
