import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

@testable import LinbuildModel

/// Time bounds and messages that say what is wrong and what to do.
@Suite(.timeLimit(.minutes(5))) struct HonestMessagesTests {
    func linbuild(_ arguments: [String], environment: [String: String] = [:]) throws -> Run.Result {
        try Run.command(Run.linbuild, arguments, environment: ["NO_COLOR": "1"].merging(environment) { $1 })
    }

    @Test func lsRemoteIsBoundByTheProbeTimeout() throws {
        // GIVEN a git server that accepts and never answers
        let silent = try FakeRegistry(.silent)
        defer { silent.stop() }
        let run = try linbuild([
            "--presets", Repository.presets, "--source", "http://\(silent.address)/repo.git", "--probe-timeout", "2", "--dry-run",
        ])
        // THEN linbuild gives up after the probe timeout, not git's 60 s or more
        #expect(run.status == 66, "\(run.stderr)")
        #expect(run.stderr.contains("did not answer within 2 s"), "\(run.stderr)")
        #expect(run.seconds < 20, "took \(run.seconds) s")
    }

    @Test func anSSHFailureKeepsItsCause() throws {
        let scratch = try Scratch("ssh")
        defer { scratch.remove() }
        // an ssh that fails the way a mistyped host does, without asking any resolver
        let ssh = try Run.writeProgram(
            at: scratch.path + "/ssh",
            "#!/bin/sh\necho 'ssh: Could not resolve hostname gitlab.nope: Name or service not known' >&2\nexit 255\n")
        let run = try linbuild(
            ["--presets", Repository.presets, "--source", "ssh://git@gitlab.nope/team/repo.git", "--dry-run"],
            environment: ["GIT_SSH_COMMAND": ssh])
        #expect(run.status == 66)
        #expect(run.errorLines.count == 1)
        #expect(run.stderr.contains("Could not resolve hostname gitlab.nope"), "\(run.stderr)")
    }

    @Test func aRepositoryWithAnotherDefaultBranchGetsAHint() throws {
        let scratch = try Scratch("default-branch")
        defer { scratch.remove() }
        let repository = scratch.path + "/repo"
        try Git.repository(at: repository)
        try Git.run(repository, "branch", "-m", "main", "master")
        // WHEN the presets' default branch (main) is not there
        let run = try linbuild(["--presets", Repository.presets, "--source", repository, "--dry-run"])
        // THEN the message names the presets file and the repository's HEAD branch
        #expect(run.status == 66)
        #expect(run.errorLines.count == 1)
        #expect(run.stderr.contains("defaults.branch in \(Repository.presets)"), "\(run.stderr)")
        #expect(run.stderr.contains("HEAD branch is 'master'"), "\(run.stderr)")
        // and a ref the user typed gets no presets hint
        let typed = try linbuild(["--presets", Repository.presets, "--source", repository, "--branch", "nope", "--dry-run"])
        #expect(typed.status == 66)
        #expect(!typed.stderr.contains("defaults.branch"))
    }

    @Test func aFolderGivenAsTheDockerfileIsNamedAsSuch() throws {
        let scratch = try Scratch("dockerfile-folder")
        defer { scratch.remove() }
        let run = try linbuild(["check", "--presets", Repository.presets, "--dockerfile", scratch.path])
        #expect(run.status == 66)
        #expect(run.errorLines.count == 1)
        #expect(run.stderr.contains("is a folder, not a file"), "\(run.stderr)")
    }

    @Test func presetsWithAByteOrderMarkLoad() throws {
        let text = try String(contentsOfFile: Repository.presets, encoding: .utf8)
        let presets = try PresetsLoader.parse([0xEF, 0xBB, 0xBF] + Array(text.utf8), file: "bom.json")
        #expect(presets == shippedPresets)
    }

    @Test func anArchFromTheEnvironmentIsNamedAsSuch() throws {
        let run = try linbuild(["--presets", Repository.presets, "--dry-run"], environment: ["LINBUILD_ARCH": "volta"])
        #expect(run.status == 64)
        #expect(run.stderr.contains("LINBUILD_ARCH"), "\(run.stderr)")
        let check = try linbuild(["check", "--presets", Repository.presets], environment: ["LINBUILD_ARCH": "volta"])
        #expect(check.status == 64)
        #expect(check.stderr.contains("LINBUILD_ARCH"), "\(check.stderr)")
    }

    @Test func validateTakesTheArchitectureFromTheLabelNotTheEnvironment() throws {
        let options = try Options.parse(["validate", "image:tag"], environment: ["LINBUILD_ARCH": "hopper"])
        #expect(options.arches == nil)
        let given = try Options.parse(["validate", "--arch", "turing", "image:tag"], environment: ["LINBUILD_ARCH": "hopper"])
        #expect(given.arches == .named(["turing"]))
        // build still reads it
        #expect(try Options.parse([], environment: ["LINBUILD_ARCH": "hopper"]).arches == .named(["hopper"]))
    }

    @Test(arguments: [
        ["check", "--source", "/nope"], ["check", "--branch", "x"], ["check", "--tag-suffix", "x"],
        ["check", "--max-jobs", "3"], ["check", "--registry", "r.example.com"], ["completions", "bash", "--arch", "x"],
        ["completions", "bash", "--dockerfile", "x"], ["validate", "--branch", "x", "image:tag"],
        ["validate", "--source", "x", "image:tag"], ["validate", "--platform", "linux/arm64", "image:tag"],
    ])
    func commandsRefuseOptionsTheyIgnore(_ arguments: [String]) throws {
        let run = try linbuild(arguments + ["--presets", Repository.presets])
        #expect(run.status == 64, "\(arguments): \(run.output)")
        #expect(run.stderr.contains("does not apply to '\(arguments[0])'"), "\(run.stderr)")
    }

    @Test func helpIsACommandAndShowsEachCommandsDefaults() throws {
        let presets = ["--presets", Repository.presets]
        #expect(try linbuild(["help"] + presets).stdout == (try linbuild(["--help"] + presets)).stdout)
        let check = try linbuild(["help", "check"] + presets)
        #expect(check.status == 0)
        #expect(check.stdout == (try linbuild(["check", "--help"] + presets)).stdout)
        #expect(check.stdout.contains("[default: all; env: LINBUILD_ARCH]"), "\(check.stdout)")
        let validate = try linbuild(["help", "validate"] + presets)
        #expect(validate.stdout.contains("[default: the image's dev.linbuild.arch label"))
        #expect(!validate.stdout.contains("[default: ampere"))
        let unknown = try linbuild(["help", "nope"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("commands: build, check, validate, preflight, lock, outdated, prune, completions"))
    }
}
