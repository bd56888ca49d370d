import LinbuildTestFixtures
import Testing

@testable import LinbuildModel
@testable import LinbuildSupport

/// The command line: every option in both spellings, flags, subcommands, `--`, and precedence.
/// Bad input has its own suite (`UsageErrorTests`).
@Suite struct OptionsTests {
    func parse(_ arguments: [String], environment: [String: String] = [:]) throws -> Options {
        try Options.parse(arguments, environment: environment)
    }

    /// Two different valid values for each option that takes one.
    static let samples: [String: (String, String)] = [
        "arch": ("hopper", "turing"), "branch": ("feat/x", "dev"), "max-jobs": ("8", "3"), "tag-suffix": ("myfeat", "other"),
        "source": ("/src", "https://example.com/r.git"), "registry": ("127.0.0.1:5000", "registry.example.com"),
        "namespace": ("team/ml", "other"), "presets": ("p.json", "q.json"), "dockerfile": ("D", "E"),
        "platform": ("linux/arm64", "linux/amd64"), "engine": ("podman", "/usr/bin/docker"), "context": ("gpu-box", "other"),
        "builder": ("k8s", "remote"), "progress": ("plain", "tty"), "log-dir": ("logs", "other-logs"),
        "probe-timeout": ("5", "9"), "gpus": ("all", "device=0"), "network": ("host", "default"),
        "keep": ("2", "3"), "older-than": ("30", "7"),
    ]

    /// The parsed field an option lands in, as text, so one table can check every option.
    static func field(_ name: String, of options: Options) -> String? {
        switch name {
        case "arch":
            switch options.arches {
            case .all?: return "all"
            case .named(let names)?: return names.joined(separator: ",")
            case nil: return nil
            }
        case "branch": return options.branch
        case "max-jobs": return options.maxJobs.map(String.init)
        case "tag-suffix": return options.tagSuffix
        case "source": return options.source
        case "network": return options.network
        case "registry": return options.registry
        case "namespace": return options.namespace
        case "presets": return options.presetsPath
        case "dockerfile": return options.dockerfile
        case "platform": return options.platform
        case "engine": return options.engine
        case "context": return options.dockerContext
        case "builder": return options.builder
        case "progress": return options.progress
        case "log-dir": return options.logDirectory
        case "probe-timeout": return String(Int(options.probeTimeout))
        case "gpus": return options.gpus
        case "keep": return String(options.keep)
        case "older-than": return options.olderThanDays.map(String.init)
        default: return nil
        }
    }

    /// The Bool a flag sets.
    static func flag(_ name: String, of options: Options) -> Bool? {
        switch name {
        case "push": options.push
        case "force-base": options.forceBase
        case "skip-base": options.skipBase
        case "keep-going": options.keepGoing
        case "no-cache": options.noCache
        case "pull": options.pull
        case "move-base-tag": options.moveBaseTag
        case "no-preflight": options.noPreflight
        case "dry-run": options.dryRun
        case "json": options.json
        case "quiet": options.quiet
        case "verbose": options.verbose
        case "allow-incomplete-source": options.allowIncompleteSource
        case "help": options.help
        case "version": options.version
        case "apply": options.apply
        default: nil
        }
    }

    /// Words that make a valid command line of the first subcommand `spec` applies to.
    static func commandLine(for spec: OptionSpec, _ options: [String]) -> [String] {
        if spec.commands.isEmpty || spec.commands.contains(.build) { return options }
        if spec.commands == [.prune] { return ["prune"] + options }
        return ["validate"] + options + ["image:tag"]
    }

    @Test func everyOptionOfTheTableIsCoveredHere() {
        #expect(Set(OptionTable.all.filter(\.takesValue).map(\.name)) == Set(Self.samples.keys))
        #expect(OptionTable.all.filter { !$0.takesValue }.allSatisfy { Self.flag($0.name, of: Options()) != nil })
    }

    @Test(arguments: OptionTable.all.filter(\.takesValue))
    func valueOptionAcceptsBothSpellings(_ spec: OptionSpec) throws {
        // GIVEN a valid value for the option
        let value = try #require(Self.samples[spec.name]).0
        // WHEN it is written as two words and as one
        let separate = try parse(Self.commandLine(for: spec, ["--\(spec.name)", value]))
        let joined = try parse(Self.commandLine(for: spec, ["--\(spec.name)=\(value)"]))
        // THEN both give the same options, with the value in the option's own field
        #expect(separate == joined)
        #expect(Self.field(spec.name, of: separate) == value)
        #expect(Self.field(spec.name, of: try parse(Self.commandLine(for: spec, []))) != value)
    }

    @Test(arguments: OptionTable.all.filter { !$0.takesValue })
    func flagIsSetOnlyWhenGiven(_ spec: OptionSpec) throws {
        let given = try parse(Self.commandLine(for: spec, ["--\(spec.name)"]))
        let absent = try parse(Self.commandLine(for: spec, []))
        #expect(Self.flag(spec.name, of: given) == true)
        #expect(Self.flag(spec.name, of: absent) == false)
    }

    @Test(arguments: OptionTable.all.filter { $0.short != nil })
    func shortFormEqualsLongForm(_ spec: OptionSpec) throws {
        let short = try #require(spec.short)
        #expect(try parse(["-\(short)"]) == parse(["--\(spec.name)"]))
        #expect(Self.flag(spec.name, of: try parse(["-\(short)"])) == true)
    }

    @Test func theShortFormsAreHQV() {
        #expect(OptionTable.all.compactMap(\.short).sorted() == ["h", "q", "v"])
    }

    @Test func aLaterValueReplacesAnEarlierOne() throws {
        #expect(try parse(["--arch", "ampere", "--arch=hopper"]).arches == .named(["hopper"]))
    }

    @Test func archListsKeepTheirOrderWithoutRepeats() throws {
        #expect(try parse(["--arch", "all"]).arches == .all)
        #expect(try parse(["--arch", "hopper,ampere"]).arches == .named(["hopper", "ampere"]))
        #expect(try parse(["--arch", "hopper,ampere,hopper"]).arches == .named(["hopper", "ampere"]))
        #expect(try parse([]).arches == nil)
    }

    @Test(arguments: ["myfeat", "-myfeat", "x", "-x", "feat.1_b-c"])
    func suffixLosesOneLeadingDash(_ value: String) throws {
        let expected = value.hasPrefix("-") ? String(value.dropFirst()) : value
        #expect(try parse(["--tag-suffix", value]).tagSuffix == expected)
        #expect(try parse(["--tag-suffix=\(value)"]).tagSuffix == expected)
    }

    @Test(arguments: ["1", "12", "0012", "1024"])
    func maxJobsInRange(_ value: String) throws {
        #expect(try parse(["--max-jobs", value]).maxJobs == Int(value))
    }

    @Test(arguments: ["localhost", "localhost:5000", "127.0.0.1:5000", "[::1]:5000", "registry.example.com", "Registry.Example.com:443"])
    func registryHostsDockerAccepts(_ host: String) throws {
        #expect(try parse(["--registry", host]).registry == host)
    }

    @Test(arguments: ["a", "team/ml", "a-b", "a--b", "a__b", "a_b/c.d"])
    func namespacesDockerAccepts(_ namespace: String) throws {
        #expect(try parse(["--namespace", namespace]).namespace == namespace)
        #expect(try parse(["--registry", "r.example.com", "--namespace", namespace]).namespace == namespace)
    }

    @Test(arguments: [
        "main", "feat/x", "feat/it's-$HOME", "release/v1.2", "x;y", "v1.0.0", "abc1234", "refs/heads/main", "HEAD", "ünïcode",
    ])
    func refNamesGitAcceptsAreAccepted(_ ref: String) throws {
        #expect(try parse(["--branch", ref]).branch == ref)
    }

    @Test func subcommandsComeFirst() throws {
        #expect(try parse([]).subcommand == .build)
        #expect(try parse(["build", "--push"]) == parse(["--push"]))
        #expect(try parse(["check", "--arch", "all"]).subcommand == .check)
        #expect(try parse(["validate", "img:tag"]).subcommand == .validate)
        #expect(try parse(["validate", "img:tag"]).positionals == ["img:tag"])
        #expect(try parse(["completions", "fish"]).subcommand == .completions)
        #expect(try parse(["completions", "zsh"]).positionals == ["zsh"])
    }

    @Test func doubleDashEndsOptions() throws {
        // GIVEN `--` before words that look like options
        let options = try parse(["validate", "--arch", "hopper", "--", "--push"])
        // THEN they are positionals, and no flag was set by them
        #expect(options.positionals == ["--push"])
        #expect(!options.push)
        #expect(options.arches == .named(["hopper"]))
        #expect(try parse(["validate", "--", "-weird:tag"]).positionals == ["-weird:tag"])
        #expect(try parse(["--"]).positionals.isEmpty)
    }

    @Test func helpAndVersionWinOverOtherwiseBadValues() throws {
        // `linbuild --help` must work even while the user is still fixing the rest of the line
        #expect(try parse(["--max-jobs", "abc", "--help"]).help)
        #expect(try parse(["--version", "--force-base", "--skip-base"]).version)
    }

    @Test func helpStillKnowsWhichPresetsToShow() throws {
        #expect(try parse(["--help", "--presets", "/x/p.json"]).presetsPath == "/x/p.json")
        #expect(try parse(["-h"], environment: ["LINBUILD_PRESETS": "/y/p.json"]).presetsPath == "/y/p.json")
    }

    @Test func aNamespaceWithADotIsFineBehindARegistry() throws {
        let options = try parse(["--namespace", "my.org/team", "--registry", "registry.example.com"])
        #expect(options.namespace == "my.org/team")
        #expect(try parse(["--namespace", "my.org"], environment: ["LINBUILD_REGISTRY": "localhost:5000"]).namespace == "my.org")
    }

    @Test(arguments: OptionTable.all.filter { $0.environment != nil })
    func environmentFillsAnAbsentOptionAndTheOptionWins(_ spec: OptionSpec) throws {
        // GIVEN the option's variable set to one value
        let variable = try #require(spec.environment)
        let (fromOption, fromEnvironment) = try #require(Self.samples[spec.name])
        let environment = [variable: fromEnvironment]
        // WHEN the option is absent, THEN the variable's value is used
        #expect(Self.field(spec.name, of: try parse(Self.commandLine(for: spec, []), environment: environment)) == fromEnvironment)
        // WHEN the option is given, THEN it beats the variable
        let both = try parse(Self.commandLine(for: spec, ["--\(spec.name)", fromOption]), environment: environment)
        #expect(Self.field(spec.name, of: both) == fromOption)
        // AND an empty variable counts as unset
        #expect(try parse(Self.commandLine(for: spec, []), environment: [variable: ""]) == parse(Self.commandLine(for: spec, [])))
    }

    @Test func everyEnvironmentVariableIsNamedLinbuildAndUnique() {
        let variables = OptionTable.all.compactMap(\.environment)
        #expect(variables.allSatisfy { $0.hasPrefix("LINBUILD_") })
        #expect(Set(variables).count == variables.count)
        #expect(variables.contains("LINBUILD_ARCH") && variables.contains("LINBUILD_ENGINE"))
    }

    @Test func variablesOfOptionsASubcommandDoesNotTakeAreIgnored() throws {
        // GIVEN LINBUILD_MAX_JOBS, which only build and check read, holding junk
        let environment = ["LINBUILD_MAX_JOBS": "junk", "LINBUILD_TAG_SUFFIX": "a b"]
        // WHEN validate runs, THEN it neither fails nor takes the value
        let options = try parse(["validate", "img:tag"], environment: environment)
        #expect(options.maxJobs == nil && options.tagSuffix == nil)
        // while build validates it like an option
        #expect(
            throws: LinbuildError.usage(
                "--max-jobs 'junk' is not a whole number from 1 to 1024 (from the environment variable LINBUILD_MAX_JOBS)")
        ) {
            try parse([], environment: environment)
        }
    }

    @Test func aBadTypedValueIsNotBlamedOnTheEnvironment() {
        #expect(throws: LinbuildError.usage("--max-jobs 'x' is not a whole number from 1 to 1024")) {
            try parse(["--max-jobs", "x"], environment: ["LINBUILD_MAX_JOBS": "3", "LINBUILD_ARCH": "hopper"])
        }
    }

    @Test func unrelatedVariablesChangeNothing() throws {
        #expect(try parse([], environment: ["ARCH": "hopper", "LINBUILD_ARCHES": "turing", "BRANCH": "x"]) == parse([]))
    }
}
