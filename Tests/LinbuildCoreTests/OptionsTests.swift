import Testing
@testable import LinbuildCore

/// The command line: every option in both spellings, precedence, and every bad input.
@Suite struct OptionsTests {
    func parse(_ arguments: [String], environment: [String: String] = [:]) throws -> Options {
        try Options.parse(arguments, environment: environment)
    }

    /// A valid value for each option that takes one.
    static let sampleValues: [String: String] = [
        "arch": "hopper", "branch": "feat/x", "max-jobs": "8", "tag-suffix": "myfeat", "source": "/src",
        "registry": "127.0.0.1:5000", "namespace": "team/ml", "presets": "p.json", "dockerfile": "D",
        "platform": "linux/arm64", "engine": "podman", "context": "gpu-box", "builder": "k8s", "progress": "plain",
        "log-dir": "logs", "probe-timeout": "5", "gpus": "all",
    ]

    @Test func everyValueOptionHasASampleHere() {
        #expect(Set(OptionTable.all.filter(\.takesValue).map(\.name)) == Set(Self.sampleValues.keys))
    }

    @Test(arguments: OptionTable.all.filter(\.takesValue))
    func valueOptionAcceptsBothSpellings(_ spec: OptionSpec) throws {
        let value = try #require(Self.sampleValues[spec.name])
        let subcommand = spec.commands.isEmpty || spec.commands.contains(.build) ? [] : ["validate"]
        let positional = subcommand.isEmpty ? [] : ["image"]
        let separate = try parse(subcommand + ["--\(spec.name)", value] + positional)
        let joined = try parse(subcommand + ["--\(spec.name)=\(value)"] + positional)
        #expect(separate == joined)
        #expect(separate != (try parse(subcommand + positional)))
    }

    @Test func valuesLandInTheirFields() throws {
        let options = try parse(["--arch", "ampere,hopper", "--branch", "feat/x", "--max-jobs", "8", "--tag-suffix", "-myfeat",
                                 "--source", "/src", "--registry", "127.0.0.1:5000", "--namespace", "team/ml", "--platform", "linux/arm64",
                                 "--engine", "podman", "--progress", "plain", "--probe-timeout", "5", "--push", "--force-base", "--keep-going", "-q"])
        #expect(options.arches == .named(["ampere", "hopper"]))
        #expect(options.branch == "feat/x")
        #expect(options.maxJobs == 8)
        #expect(options.tagSuffix == "myfeat")
        #expect(options.source == "/src")
        #expect(options.registry == "127.0.0.1:5000")
        #expect(options.namespace == "team/ml")
        #expect(options.platform == "linux/arm64")
        #expect(options.engine == "podman")
        #expect(options.progress == "plain")
        #expect(options.probeTimeout == 5)
        #expect(options.push && options.forceBase && options.keepGoing && options.quiet)
        #expect(!options.skipBase && !options.dryRun && !options.verbose)
    }

    @Test func flagsAndShortForms() throws {
        #expect(try parse(["-h"]).help)
        #expect(try parse(["--help"]).help)
        #expect(try parse(["--version"]).version)
        #expect(try parse(["-v"]).verbose)
        #expect(try parse(["--dry-run"]).dryRun)
        #expect(try parse(["--json"]).json)
        #expect(try parse(["--skip-base"]).skipBase)
        #expect(try parse(["--arch", "all"]).arches == .all)
    }

    @Test func subcommandsAndPositionals() throws {
        #expect(try parse([]).subcommand == .build)
        #expect(try parse(["build", "--push"]).push)
        #expect(try parse(["check"]).subcommand == .check)
        #expect(try parse(["validate", "img:tag"]).positionals == ["img:tag"])
        #expect(try parse(["completions", "zsh"]).positionals == ["zsh"])
        #expect(try parse(["validate", "--", "-weird:tag"]).positionals == ["-weird:tag"])
    }

    @Test func optionBeatsEnvironmentWhichFillsWhatIsMissing() throws {
        let environment = ["LINBUILD_ARCH": "turing", "LINBUILD_BRANCH": "dev", "LINBUILD_MAX_JOBS": "3", "LINBUILD_ENGINE": "/usr/bin/docker"]
        let fromEnvironment = try parse([], environment: environment)
        #expect(fromEnvironment.arches == .named(["turing"]))
        #expect(fromEnvironment.branch == "dev")
        #expect(fromEnvironment.maxJobs == 3)
        #expect(fromEnvironment.engine == "/usr/bin/docker")
        let overridden = try parse(["--arch", "hopper", "--max-jobs=9"], environment: environment)
        #expect(overridden.arches == .named(["hopper"]))
        #expect(overridden.maxJobs == 9)
        #expect(overridden.branch == "dev")
        // An empty variable is as good as unset
        #expect(try parse([], environment: ["LINBUILD_ARCH": ""]).arches == nil)
    }

    @Test func badEnvironmentValueIsAUsageErrorToo() {
        #expect(throws: LinbuildError.usage("--max-jobs 'lots' is not a whole number from 1 to 1024")) {
            try parse([], environment: ["LINBUILD_MAX_JOBS": "lots"])
        }
    }

    @Test func suffixGetsExactlyOneDash() throws {
        #expect(try parse(["--tag-suffix", "myfeat"]).tagSuffix == "myfeat")
        #expect(try parse(["--tag-suffix", "-myfeat"]).tagSuffix == "myfeat")
        #expect(try parse(["--tag-suffix=-myfeat"]).tagSuffix == "myfeat")
    }

    struct Bad: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var message: String
        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let bad: [Bad] = [
        Bad(arguments: ["--arhc", "x"], message: "unknown option '--arhc'; did you mean --arch?"),
        Bad(arguments: ["--psuh"], message: "did you mean --push?"),
        Bad(arguments: ["--zzzzzzzz"], message: "unknown option '--zzzzzzzz' (see linbuild --help)"),
        Bad(arguments: ["-x"], message: "unknown option '-x'"),
        Bad(arguments: ["--arch"], message: "--arch needs a value"),
        Bad(arguments: ["--arch", "--push"], message: "--arch needs a value"),
        Bad(arguments: ["--arch="], message: "--arch needs a non-empty value"),
        Bad(arguments: ["--max-jobs", "abc"], message: "--max-jobs 'abc' is not a whole number from 1 to 1024"),
        Bad(arguments: ["--max-jobs", "0"], message: "--max-jobs '0'"),
        Bad(arguments: ["--max-jobs", "-1"], message: "--max-jobs '-1'"),
        Bad(arguments: ["--max-jobs", "1025"], message: "--max-jobs '1025'"),
        Bad(arguments: ["--max-jobs", "99999999999999999999"], message: "--max-jobs '99999999999999999999'"),
        Bad(arguments: ["--tag-suffix", "a b"], message: "--tag-suffix 'a b' cannot be part of a tag"),
        Bad(arguments: ["--tag-suffix", "--x"], message: "--tag-suffix '--x' cannot be part of a tag"),
        Bad(arguments: ["--tag-suffix", "-"], message: "--tag-suffix '-' cannot be part of a tag"),
        Bad(arguments: ["--tag-suffix", String(repeating: "a", count: 200)], message: "cannot be part of a tag"),
        Bad(arguments: ["--namespace", "Team"], message: "--namespace 'Team' is not a valid image namespace"),
        Bad(arguments: ["--namespace", "a b"], message: "is not a valid image namespace"),
        Bad(arguments: ["--registry", "not a host"], message: "--registry 'not a host' is not a registry host"),
        Bad(arguments: ["--registry", "host:99999"], message: "is not a registry host"),
        Bad(arguments: ["--force-base", "--skip-base"], message: "--force-base and --skip-base contradict each other"),
        Bad(arguments: ["--dry-run", "--json"], message: "pass one of them"),
        Bad(arguments: ["--branch", "-x"], message: "--branch '-x' cannot start with '-'"),
        Bad(arguments: ["--branch", "--upload-pack=evil"], message: "cannot start with '-'"),
        Bad(arguments: ["--branch", "a b"], message: "contains a space or control character"),
        Bad(arguments: ["--branch", "a\nb"], message: "--branch 'a\\nb' contains a space or control character"),
        Bad(arguments: ["--branch", "a..b"], message: "contains '..'"),
        Bad(arguments: ["--branch", "a~1"], message: "contains '~'"),
        Bad(arguments: ["--branch", "x.lock"], message: "is not a valid git ref name"),
        Bad(arguments: ["--arch", "Ampere"], message: "is not a list of architecture names"),
        Bad(arguments: ["--arch", "ampere,"], message: "is not a list of architecture names"),
        Bad(arguments: ["--platform", "amd64"], message: "is not a platform"),
        Bad(arguments: ["--progress", "fancy"], message: "must be one of auto, plain, tty"),
        Bad(arguments: ["--probe-timeout", "0"], message: "from 1 to 600"),
        Bad(arguments: ["--push=yes"], message: "--push takes no value"),
        Bad(arguments: ["check", "--push"], message: "--push does not apply to 'check'"),
        Bad(arguments: ["extra"], message: "unexpected argument 'extra'"),
        Bad(arguments: ["buidl"], message: "unexpected argument 'buidl' (subcommands: build, check, validate, completions)"),
        Bad(arguments: ["validate"], message: "validate needs exactly one IMAGE"),
        Bad(arguments: ["completions", "tcsh"], message: "completions needs one shell"),
        Bad(arguments: ["--quiet", "--verbose"], message: "contradict each other"),
    ]

    @Test(arguments: bad)
    func badUsageIsOneLineAndExit64(_ bad: Bad) {
        do {
            _ = try parse(bad.arguments)
            Issue.record("accepted \(bad.arguments)")
        } catch let error as LinbuildError {
            #expect(error.exitCode == .usage)
            #expect(error.description.contains(bad.message), "\(error)")
            #expect(!error.description.contains("\n"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func refNamesGitAcceptsAreAccepted() throws {
        for ref in ["main", "feat/x", "feat/it's-$HOME", "release/v1.2", "x;y", "v1.0.0", "abc1234"] {
            #expect(try parse(["--branch", ref]).branch == ref)
        }
    }
}
