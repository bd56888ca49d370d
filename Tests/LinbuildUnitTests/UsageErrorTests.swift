import LinbuildTestFixtures
import Testing

@testable import LinbuildModel
@testable import LinbuildSupport

/// Every bad command line is one `LinbuildError.usage` line, exit 64, saying what to do.
@Suite struct UsageErrorTests {
    struct Bad: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var environment: [String: String] = [:]
        /// Text the message must hold.
        var message: String
        var testDescription: String { arguments.map { $0.debugDescription }.joined(separator: " ") }
    }

    /// The usage error `arguments` give; records an issue when they parse or fail otherwise.
    func usageError(_ bad: Bad) throws -> String {
        let error = try #require(throws: LinbuildError.self) {
            try Options.parse(bad.arguments, environment: bad.environment)
        }
        guard case .usage(let message) = error else {
            Issue.record("not a usage error: \(error)")
            return ""
        }
        #expect(error.exitCode == .usage)
        #expect(error.exitCode.rawValue == 64)
        return message
    }

    static let unknownOptions: [Bad] = [
        Bad(arguments: ["--arhc", "x"], message: "unknown option '--arhc'; did you mean --arch? (see linbuild --help)"),
        Bad(arguments: ["--arhc=hopper"], message: "unknown option '--arhc'; did you mean --arch?"),
        Bad(arguments: ["--brnach", "main"], message: "did you mean --branch?"),
        Bad(arguments: ["--max-job", "3"], message: "did you mean --max-jobs?"),
        Bad(arguments: ["--tag-sufix", "x"], message: "did you mean --tag-suffix?"),
        Bad(arguments: ["--psuh"], message: "did you mean --push?"),
        Bad(arguments: ["--dryrun"], message: "did you mean --dry-run?"),
        Bad(arguments: ["--forcebase"], message: "did you mean --force-base?"),
        Bad(arguments: ["--regsitry", "r"], message: "did you mean --registry?"),
        Bad(arguments: ["--plat", "linux/amd64"], message: "did you mean --platform?"),
        Bad(arguments: ["--jsn"], message: "did you mean --json?"),
        Bad(arguments: ["--zzzzzzzz"], message: "unknown option '--zzzzzzzz' (see linbuild --help)"),
        Bad(arguments: ["-x"], message: "unknown option '-x'"),
        Bad(arguments: ["-qv"], message: "unknown option '-qv'"),
        Bad(arguments: ["--arhc\u{1B}[31m"], message: "unknown option '--arhc\\u{1b}[31m'"),
    ]

    static let missingValues: [Bad] = [
        Bad(arguments: ["--arch"], message: "--arch needs a value: --arch NAME[,NAME…]|all"),
        Bad(arguments: ["--arch", "--push"], message: "--arch needs a value"),
        Bad(arguments: ["--branch", "--arch", "hopper"], message: "--branch needs a value: --branch REF"),
        Bad(arguments: ["--max-jobs", "-h"], message: "--max-jobs needs a value"),
        Bad(arguments: ["--tag-suffix"], message: "--tag-suffix needs a value: --tag-suffix S"),
        Bad(arguments: ["--arch="], message: "--arch needs a non-empty value"),
        Bad(arguments: ["--registry", ""], message: "--registry needs a non-empty value"),
        Bad(arguments: ["--push=yes"], message: "--push takes no value (write just --push)"),
        Bad(arguments: ["--help=1"], message: "--help takes no value"),
    ]

    static let badValues: [Bad] = [
        Bad(arguments: ["--max-jobs", "abc"], message: "--max-jobs 'abc' is not a whole number from 1 to 1024"),
        Bad(arguments: ["--max-jobs", "0"], message: "--max-jobs '0' is not a whole number from 1 to 1024"),
        Bad(arguments: ["--max-jobs", "-1"], message: "--max-jobs '-1' is not a whole number"),
        Bad(arguments: ["--max-jobs", "1025"], message: "--max-jobs '1025' is not a whole number"),
        Bad(arguments: ["--max-jobs", "99999999999999999999"], message: "--max-jobs '99999999999999999999' is not a whole number"),
        Bad(arguments: ["--max-jobs", "+5"], message: "--max-jobs '+5'"),
        Bad(arguments: ["--max-jobs", " 5"], message: "--max-jobs ' 5'"),
        Bad(arguments: ["--max-jobs", "5.0"], message: "--max-jobs '5.0'"),
        Bad(arguments: ["--max-jobs", "0x10"], message: "--max-jobs '0x10'"),
        Bad(arguments: ["--max-jobs", "１２"], message: "is not a whole number"),
        Bad(
            arguments: [], environment: ["LINBUILD_MAX_JOBS": "lots"],
            message: "--max-jobs 'lots' is not a whole number from 1 to 1024 (from the environment variable LINBUILD_MAX_JOBS)"),
        Bad(
            arguments: [], environment: ["LINBUILD_REGISTRY": "not a host", "LINBUILD_ARCH": "hopper"],
            message:
                "--registry 'not a host' is not a registry host (HOST or HOST:PORT, e.g. registry.example.com:5000) (from the environment variable LINBUILD_REGISTRY)"
        ),
        Bad(
            arguments: ["--tag-suffix", "a b"],
            message: "--tag-suffix 'a b' cannot be part of a tag (letters, digits, . _ - only, e.g. myfeature)"),
        Bad(arguments: ["--tag-suffix", "--"], message: "--tag-suffix '--' cannot be part of a tag"),
        Bad(arguments: ["--tag-suffix", "--x"], message: "--tag-suffix '--x' cannot be part of a tag"),
        Bad(arguments: ["--tag-suffix=--"], message: "--tag-suffix '--' cannot be part of a tag"),
        Bad(arguments: ["--tag-suffix", "-"], message: "--tag-suffix '-' cannot be part of a tag"),
        Bad(arguments: ["--tag-suffix", "a/b"], message: "--tag-suffix 'a/b' cannot be part of a tag"),
        Bad(arguments: ["--tag-suffix", "a:b"], message: "cannot be part of a tag"),
        Bad(arguments: ["--tag-suffix", "é"], message: "cannot be part of a tag"),
        Bad(arguments: ["--tag-suffix", "a\nb"], message: "--tag-suffix 'a\\nb' cannot be part of a tag"),
        Bad(arguments: ["--tag-suffix", String(repeating: "a", count: 200)], message: "cannot be part of a tag"),
        // 12 + 1 + a 32-character arch + 1 + 83 would pass Docker's 128
        Bad(
            arguments: ["--tag-suffix", String(repeating: "a", count: 83)],
            message: "is longer than 82 characters; the runtime tag <sha12>-<arch>-<suffix> must fit in 128"),
        Bad(arguments: ["--namespace", "Team"], message: "--namespace 'Team' is not a valid image namespace"),
        Bad(arguments: ["--namespace", "a b"], message: "--namespace 'a b' is not a valid image namespace"),
        Bad(arguments: ["--namespace", "team/"], message: "is not a valid image namespace"),
        Bad(arguments: ["--namespace", "a//b"], message: "is not a valid image namespace"),
        Bad(arguments: ["--namespace", "-team"], message: "is not a valid image namespace"),
        Bad(arguments: ["--namespace", "a..b"], message: "is not a valid image namespace"),
        Bad(arguments: ["--registry", "not a host"], message: "--registry 'not a host' is not a registry host (HOST or HOST:PORT"),
        Bad(arguments: ["--registry", "host:99999"], message: "is not a registry host"),
        Bad(arguments: ["--registry", "host:0"], message: "is not a registry host"),
        Bad(arguments: ["--registry", "host:"], message: "is not a registry host"),
        Bad(arguments: ["--registry", "http://host"], message: "is not a registry host"),
        Bad(arguments: ["--registry", "host/path"], message: "is not a registry host"),
        Bad(arguments: ["--registry", "-host.example.com"], message: "is not a registry host"),
        Bad(arguments: ["--registry", "[::1"], message: "is not a registry host"),
        // Docker would push `myhost/ns/image` to Docker Hub's `myhost` account, not to a host
        Bad(
            arguments: ["--registry", "myhost"],
            message:
                "--registry 'myhost' would be read by Docker as a Docker Hub namespace, not a host; give its port or domain (e.g. myhost:5000)"
        ),
        // and `my.org/image` to a host called my.org
        Bad(
            arguments: ["--namespace", "my.org"],
            message: "--namespace 'my.org' would be read by Docker as a registry host; pass the host with --registry"),
        Bad(arguments: ["--namespace", "localhost/team"], message: "would be read by Docker as a registry host"),
        Bad(arguments: ["--force-base", "--skip-base"], message: "--force-base and --skip-base contradict each other; pass one of them"),
        Bad(arguments: ["--quiet", "--verbose"], message: "--quiet and --verbose contradict each other"),
        Bad(arguments: ["-q", "-v"], message: "--quiet and --verbose contradict each other"),
        Bad(arguments: ["--arch", "Ampere"], message: "--arch 'Ampere' is not a list of architecture names"),
        Bad(arguments: ["--arch", "ampere,"], message: "is not a list of architecture names"),
        Bad(arguments: ["--arch", "ampere,,hopper"], message: "is not a list of architecture names"),
        Bad(arguments: ["--arch", "all,hopper"], message: "is not a list of architecture names"),
        Bad(arguments: ["--arch", "a b"], message: "is not a list of architecture names"),
        Bad(arguments: ["--platform", "amd64"], message: "--platform 'amd64' is not a platform (os/arch, e.g. linux/amd64)"),
        Bad(arguments: ["--platform", "linux/AMD64"], message: "is not a platform"),
        Bad(arguments: ["--progress", "fancy"], message: "--progress 'fancy' must be one of auto, plain, tty"),
        Bad(arguments: ["--probe-timeout", "0"], message: "--probe-timeout '0' is not a whole number of seconds from 1 to 600"),
        Bad(arguments: ["--probe-timeout", "601"], message: "from 1 to 600"),
        Bad(arguments: ["--probe-timeout", "1.5"], message: "from 1 to 600"),
        Bad(arguments: ["--source", "-x"], message: "--source '-x' cannot start with '-'"),
        Bad(arguments: ["--source", "ext::sh -c touch% /tmp/pwned"], message: "uses a git transport linbuild does not allow"),
        Bad(arguments: ["--engine", "-x"], message: "--engine '-x' is not a command name or path"),
        Bad(arguments: ["--context", "a b"], message: "--context 'a b' is not a usable name"),
        Bad(arguments: ["--builder", "-b"], message: "--builder '-b' is not a usable name"),
        Bad(arguments: ["--presets", "a\nb"], message: "--presets 'a\\nb' is not a usable path"),
    ]

    static let badBranches: [Bad] = [
        Bad(arguments: ["--branch", "-x"], message: "--branch '-x' cannot start with '-' (it would be read as an option)"),
        Bad(arguments: ["--branch", "--upload-pack=x"], message: "--branch '--upload-pack=x' cannot start with '-'"),
        Bad(arguments: ["--branch=--upload-pack=touch /tmp/x"], message: "cannot start with '-'"),
        Bad(arguments: ["--branch", "a b"], message: "--branch 'a b' contains a space or control character, which no git ref can"),
        Bad(arguments: ["--branch", "a\nb"], message: "--branch 'a\\nb' contains a space or control character"),
        Bad(arguments: ["--branch", "a\tb"], message: "contains a space or control character"),
        Bad(arguments: ["--branch", "a\u{7F}"], message: "contains a space or control character"),
        Bad(arguments: ["--branch", "a..b"], message: "--branch 'a..b' contains '..', which no git ref can"),
        Bad(arguments: ["--branch", "a~1"], message: "contains '~'"),
        Bad(arguments: ["--branch", "a^"], message: "contains '^'"),
        Bad(arguments: ["--branch", "a:b"], message: "contains ':'"),
        Bad(arguments: ["--branch", "a?"], message: "contains '?'"),
        Bad(arguments: ["--branch", "a*"], message: "contains '*'"),
        Bad(arguments: ["--branch", "a[b"], message: "contains '['"),
        Bad(arguments: ["--branch", "a\\b"], message: "contains '\\'"),
        Bad(arguments: ["--branch", "a@{1}"], message: "contains '@{'"),
        Bad(arguments: ["--branch", "a//b"], message: "contains '//'"),
        Bad(arguments: ["--branch", "x.lock"], message: "is not a valid git ref name"),
        Bad(arguments: ["--branch", "feat/"], message: "is not a valid git ref name"),
        Bad(arguments: ["--branch", "/feat"], message: "is not a valid git ref name"),
        Bad(arguments: ["--branch", "feat."], message: "is not a valid git ref name"),
        Bad(arguments: ["--branch", "@"], message: "is not a valid git ref name"),
        Bad(arguments: ["--branch", "feat/.x"], message: "has a component starting with '.'"),
        Bad(arguments: ["--branch", String(repeating: "a", count: 256)], message: "is longer than 255 bytes"),
    ]

    static let misplaced: [Bad] = [
        Bad(arguments: ["check", "--push"], message: "--push does not apply to 'check' (see linbuild check --help)"),
        Bad(arguments: ["check", "--keep-going"], message: "--keep-going does not apply to 'check'"),
        Bad(arguments: ["validate", "--dry-run", "img"], message: "--dry-run does not apply to 'validate'"),
        Bad(arguments: ["validate", "--tag-suffix", "x", "img"], message: "--tag-suffix does not apply to 'validate'"),
        Bad(arguments: ["completions", "--max-jobs", "3", "bash"], message: "--max-jobs does not apply to 'completions'"),
        Bad(arguments: ["--gpus", "all"], message: "--gpus does not apply to 'build'"),
        Bad(arguments: ["extra"], message: "unexpected argument 'extra' (options start with --; see linbuild --help)"),
        Bad(arguments: ["--arch", "hopper", "main"], message: "unexpected argument 'main'"),
        Bad(arguments: ["--", "--push"], message: "unexpected argument '--push'"),
        Bad(arguments: ["-"], message: "unexpected argument '-'"),
        Bad(
            arguments: ["buidl"],
            message: "unexpected argument 'buidl' (subcommands: build, check, validate, preflight, prune, completions)"),
        Bad(arguments: ["--push", "check"], message: "unexpected argument 'check' (subcommands:"),
        Bad(arguments: ["check", "x"], message: "unexpected argument 'x'"),
        Bad(arguments: ["validate"], message: "validate needs exactly one IMAGE: linbuild validate [--arch NAME] IMAGE"),
        Bad(arguments: ["validate", "a", "b"], message: "validate needs exactly one IMAGE"),
        Bad(arguments: ["completions"], message: "completions needs one shell: linbuild completions bash|zsh|fish"),
        Bad(arguments: ["completions", "tcsh"], message: "completions needs one shell"),
    ]

    @Test(arguments: unknownOptions + missingValues + badValues + badBranches + misplaced)
    func badUsageIsOneLineAndExit64(_ bad: Bad) throws {
        let message = try usageError(bad)
        #expect(message.contains(bad.message), "\(message)")
        #expect(!message.contains("\n") && !message.contains("\r"))
        #expect(!message.unicodeScalars.contains { $0.value < 0x20 }, "control character in \(message.debugDescription)")
    }

    @Test func aVeryLongBadValueIsCutInTheMessage() throws {
        let message = try usageError(Bad(arguments: ["--max-jobs", String(repeating: "9", count: 5000)], message: ""))
        #expect(message.count < 200)
        #expect(message.contains("…"))
    }

    @Test func aKnownShortOptionAfterAValueOptionIsAForgottenValue() throws {
        // `-v` names an option, so `--tag-suffix -v` is read as a forgotten value, not the suffix "v";
        // the `=` spelling says "this is the value".
        #expect(try usageError(Bad(arguments: ["--tag-suffix", "-v"], message: "")).contains("--tag-suffix needs a value"))
        #expect(try Options.parse(["--tag-suffix=-v"], environment: [:]).tagSuffix == "v")
    }

    @Test func usageErrorsMapToExit64AndNothingElseDoes() {
        #expect(LinbuildError.usage("x").exitCode == .usage)
        #expect(LinbuildError.unknownRef(repository: "r", ref: "x").exitCode != .usage)
    }
}
