import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

@testable import LinbuildModel
@testable import LinbuildSupport

/// The built `linbuild` binary (made by `swift build --build-tests`, next to the test bundle):
/// help, version, usage errors, and plans for real repositories. Output goes to files, so no
/// pipe can fill up while the test waits.
@Suite(.timeLimit(.minutes(5))) struct BinaryTests {
    func linbuild(_ arguments: [String], directory: String? = nil, environment: [String: String] = [:]) throws -> Run.Result {
        try #require(
            FileManager.default.isExecutableFile(atPath: Run.linbuild),
            "build it first: swift build --build-tests (looked at \(Run.linbuild))")
        return try Run.command(Run.linbuild, arguments, environment: ["NO_COLOR": "1"].merging(environment) { $1 }, directory: directory)
    }

    @Test func helpListsEveryOptionTheDefaultsAndTheArchitectures() throws {
        let run = try linbuild(["--help", "--presets", Repository.presets])
        #expect(run.status == 0)
        #expect(run.stderr.isEmpty)
        for spec in OptionTable.all where spec.commands.isEmpty || spec.commands.contains(.build) {
            #expect(run.stdout.contains("--\(spec.name)"), "\(spec.name)")
            if let variable = spec.environment { #expect(run.stdout.contains(variable)) }
        }
        for short in ["-h, --help", "-q, --quiet", "-v, --verbose"] { #expect(run.stdout.contains(short)) }
        for architecture in shippedPresets.architectures {
            #expect(run.stdout.contains("  \(architecture.name) "))
            #expect(run.stdout.contains("CUDA arch \(architecture.cudaArchList)"))
        }
        #expect(run.stdout.contains("[default: ampere; env: LINBUILD_ARCH]"))
        #expect(run.stdout.contains("[default: main; env: LINBUILD_BRANCH]"))
        #expect(run.stdout.contains("[default: 12; env: LINBUILD_MAX_JOBS]"))
        #expect(run.stdout.contains("[default: frontierkodiak; env: LINBUILD_NAMESPACE]"))
        for subcommand in Subcommand.allCases { #expect(run.stdout.contains("  \(subcommand.rawValue) ")) }
        #expect(try linbuild(["-h", "--presets", Repository.presets]).stdout == run.stdout)
    }

    @Test func helpOfASubcommandListsItsOwnOptions() throws {
        let run = try linbuild(["validate", "--help", "--presets", Repository.presets])
        #expect(run.status == 0)
        #expect(run.stdout.contains("--gpus"))
        #expect(!run.stdout.contains("--tag-suffix"))
    }

    @Test func versionExitsZero() throws {
        let version = try linbuild(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout == "linbuild \(LinbuildVersion.current)\n")
        #expect(version.stderr.isEmpty)
    }

    @Test(arguments: [
        (["--arhc", "hopper"], "unknown option '--arhc'; did you mean --arch? (see linbuild --help)"),
        (["--max-jobs", "abc"], "--max-jobs 'abc' is not a whole number from 1 to 1024"),
        (["--arch"], "--arch needs a value: --arch NAME[,NAME…]|all"),
        (["--tag-suffix", "a b"], "--tag-suffix 'a b' cannot be part of a tag (letters, digits, . _ - only, e.g. myfeature)"),
        (["--force-base", "--skip-base"], "--force-base and --skip-base contradict each other; pass one of them"),
        (["--branch", "a\nb"], "--branch 'a\\nb' contains a space or control character, which no git ref can"),
    ])
    func badUsageExits64WithExactlyOneStderrLine(arguments: [String], message: String) throws {
        let run = try linbuild(arguments)
        #expect(run.status == 64)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr == "linbuild: error: \(message)\n")
    }

    @Test func anUnknownArchListsTheValidOnesFromPresets() throws {
        let run = try linbuild(["--presets", Repository.presets, "--arch", "volta", "--dry-run"])
        #expect(run.status == 64)
        #expect(run.stderr == "linbuild: error: unknown --arch 'volta'; presets define ampere, turing, hopper (or all)\n")
    }

    @Test func badAndMissingPresetsAreOneLineWith65And66() throws {
        let scratch = try Scratch("bin")
        defer { scratch.remove() }
        let broken = try scratch.write(
            "presets.json", try shippedPresetsText(replacing: "\"cudaArchList\": \"9.0\"", with: "\"cudaArchList\": 9"))
        let bad = try linbuild(["--presets", broken, "--dry-run"])
        #expect(bad.status == 65)
        #expect(bad.stderr == "linbuild: error: \(broken): architectures.hopper.cudaArchList: must be a string, not a number\n")
        let missing = try linbuild(["--presets", scratch.path + "/absent.json", "--dry-run"])
        #expect(missing.status == 66)
        #expect(missing.stderr.split(separator: "\n").count == 1)
        #expect(missing.stderr.contains(scratch.path + "/absent.json"))
    }

    /// A repository on `main` with a branch whose name is shell syntax.
    func repositoryWithANastyBranch(_ scratch: Scratch) throws -> (path: String, sha: String) {
        let path = scratch.path + "/repo"
        let sha = try Git.repository(at: path, file: "app.py", text: "print('hi')\n")
        try Git.run(path, "branch", "feat/it's-$HOME")
        return (path, sha)
    }

    @Test func dryRunAndJSONForABranchWithShellCharacters() throws {
        let scratch = try Scratch("bin")
        defer { scratch.remove() }
        let (repo, sha) = try repositoryWithANastyBranch(scratch)
        let common = [
            "--presets", Repository.presets, "--source", repo, "--arch", "hopper", "--branch", "feat/it's-$HOME", "--tag-suffix", "-myfeat",
        ]

        // WHEN the plan is printed as shell lines
        let dryRun = try linbuild(common + ["--dry-run"], directory: scratch.path)
        // THEN it names the resolved commit and quotes the ref so a paste keeps it
        #expect(dryRun.status == 0, "\(dryRun.stderr)")
        #expect(dryRun.stdout.contains("frontierkodiak/linnaeus-dev:\(sha.prefix(12))-hopper-myfeat"))
        #expect(dryRun.stdout.contains("'dev.linbuild.ref=feat/it'\\''s-$HOME'"))
        #expect(dryRun.stdout.contains("LINNAEUS_REF=\(sha)"))
        #expect(dryRun.stdout.contains("--build-arg TORCH_VER=2.8.0+cu128"))
        #expect(dryRun.stdout.contains("frontierkodiak/linnaeus-base:hopper-cu128-torch2.8.0-fav3"))
        #expect(try Run.command("/bin/sh", ["-n", "-c", dryRun.stdout]).status == 0)

        // WHEN it is printed as JSON, THEN it is one document that decodes to the same plan values
        let json = try linbuild(common + ["--json"], directory: scratch.path)
        #expect(json.status == 0, "\(json.stderr)")
        #expect(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) is [String: Any])
        let plan = try JSONDecoder().decode(Plan.self, from: Data(json.stdout.utf8))
        #expect(plan.commit.sha == sha)
        #expect(plan.ref == "feat/it's-$HOME")
        #expect(plan.targets.map(\.runtimeImage) == ["frontierkodiak/linnaeus-dev:\(sha.prefix(12))-hopper-myfeat"])
        #expect(plan.targets.first?.baseArguments["FA_VER"] == "2.8.3 3.0.0")
    }

    @Test func anUnknownRefIsOneLineAndExit66() throws {
        let scratch = try Scratch("bin")
        defer { scratch.remove() }
        let (repo, _) = try repositoryWithANastyBranch(scratch)
        let run = try linbuild(["--presets", Repository.presets, "--source", repo, "--branch", "nope", "--dry-run"])
        #expect(run.status == 66)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.split(separator: "\n").count == 1)
        #expect(run.stderr.contains("'nope'") && run.stderr.contains(repo))
    }

    @Test func aFourthArchitectureFromAPresetsFileAlone() throws {
        // GIVEN a presets file with blackwell, beside a Dockerfile on the contract
        let scratch = try Scratch("bin")
        defer { scratch.remove() }
        let (repo, sha) = try repositoryWithANastyBranch(scratch)
        let presets = try scratch.write("presets.json", try presetsTextWithBlackwell())
        try FileManager.default.createDirectory(atPath: scratch.path + "/docker", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Repository.dockerfile, toPath: scratch.path + "/docker/Dockerfile")
        // WHEN linbuild plans it
        let run = try linbuild(["--presets", presets, "--source", repo, "--arch", "blackwell", "--dry-run"])
        // THEN the plan has blackwell's tags and arguments
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("frontierkodiak/linnaeus-base:blackwell-cu130-torch2.9.0-fav3"))
        #expect(run.stdout.contains("frontierkodiak/linnaeus-dev:\(sha.prefix(12))-blackwell"))
        #expect(run.stdout.contains("'CUDA_ARCH_LIST=10.0;12.0'"))
        #expect(run.stdout.contains("NVIDIA_CUDA_TAG=13.0.0-cudnn-devel-ubuntu22.04"))
        // AND --help lists it
        let help = try linbuild(["--help", "--presets", presets])
        #expect(help.stdout.contains("  blackwell "))
        // AND --arch all builds all four in file order
        let all = try linbuild(["--presets", presets, "--source", repo, "--arch", "all", "--json"])
        #expect(all.status == 0, "\(all.stderr)")
        #expect(
            try JSONDecoder().decode(Plan.self, from: Data(all.stdout.utf8)).targets.map(\.arch) == [
                "ampere", "turing", "hopper", "blackwell",
            ])
    }

    @Test func theEnvironmentReachesTheBinary() throws {
        let scratch = try Scratch("bin")
        defer { scratch.remove() }
        let (repo, _) = try repositoryWithANastyBranch(scratch)
        let run = try linbuild(
            ["--presets", Repository.presets, "--json"],
            environment: ["LINBUILD_SOURCE": repo, "LINBUILD_ARCH": "turing", "LINBUILD_MAX_JOBS": "4"])
        #expect(run.status == 0, "\(run.stderr)")
        let plan = try JSONDecoder().decode(Plan.self, from: Data(run.stdout.utf8))
        #expect(plan.targets.map(\.arch) == ["turing"])
        #expect(plan.targets.first?.baseArguments["MAX_JOBS"] == "4")
    }

    /// Colour on a terminal (a real pty from util-linux `script`), never with NO_COLOR, never into a file.
    @Test func colourOnlyOnATerminalAndNeverWithNoColor() throws {
        let escape = "\u{1B}["
        func onATerminal(_ environment: String) throws -> Run.Result {
            let line = "env -u NO_COLOR \(environment) TERM=xterm '\(Run.linbuild)' --bogus"
            return try Run.command("script", ["-qec", line, "/dev/null"])
        }
        let painted = try onATerminal("")
        #expect(painted.status == 64, "\(painted.output)")
        #expect(painted.stdout.contains(escape + "1;31mlinbuild: error: "), "\(painted.stdout.debugDescription)")
        let plain = try onATerminal("NO_COLOR=1")
        #expect(plain.status == 64)
        #expect(plain.stdout.contains("linbuild: error: unknown option '--bogus'"), "\(plain.stdout.debugDescription)")
        #expect(!plain.stdout.contains(escape))
        let intoAFile = try Run.command(Run.linbuild, ["--bogus"])
        #expect(intoAFile.status == 64)
        #expect(!intoAFile.stderr.contains(escape) && intoAFile.stderr.hasPrefix("linbuild: error: "))
    }

    /// Installed as `make install` lays it out and run by name from PATH, in a folder without a
    /// presets.json: the presets and Dockerfile under PREFIX/share/linbuild are the ones used.
    @Test func anInstalledBinaryRunByNameFindsTheInstalledPresets() throws {
        let scratch = try Scratch("installed")
        defer { scratch.remove() }
        let share = scratch.path + "/prefix/share/linbuild"
        for folder in [scratch.path + "/prefix/bin", share + "/docker", scratch.path + "/work"] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        // A hard link, not a copy: a copy is a file open for writing, which a process another test
        // forks meanwhile can hold, and running a file someone holds open for writing fails with
        // "Text file busy". (A copy only where a link cannot be made: another file system.)
        let installed = scratch.path + "/prefix/bin/linbuild"
        do {
            try FileManager.default.linkItem(atPath: Run.linbuild, toPath: installed)
        } catch {
            try FileManager.default.copyItem(atPath: Run.linbuild, toPath: installed)
        }
        try FileManager.default.copyItem(atPath: Repository.presets, toPath: share + "/presets.json")
        try FileManager.default.copyItem(atPath: Repository.dockerfile, toPath: share + "/docker/Dockerfile")

        let path = scratch.path + "/prefix/bin:" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let run = try Run.command("linbuild", ["check"], environment: ["PATH": path, "NO_COLOR": "1"], directory: scratch.path + "/work")

        #expect(run.status == 0, "\(run.output)")
        #expect(run.stdout.hasPrefix("ok: \(share)/docker/Dockerfile matches the plan"), "\(run.stdout)")
    }
}
