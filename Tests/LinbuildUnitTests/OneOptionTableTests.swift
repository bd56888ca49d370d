import LinbuildTestFixtures
import Testing

@testable import LinbuildCLI
@testable import LinbuildModel
@testable import LinbuildSupport

/// Each default, variable and bound is declared once, on the option's spec, and
/// help, the reference, completions and parsing all read it from there. A test table with one spec
/// changed must change every one of them.
@Suite struct OneOptionTableTests {
    /// The shipped table with `name`'s spec replaced.
    func table(replacing name: String, with change: (OptionSpec) -> OptionSpec) -> [OptionSpec] {
        OptionTable.all.map { $0.name == name ? change($0) : $0 }
    }

    @Test func aBuiltInDefaultChangedInTheTableShowsInHelpAndInTheParseResult() throws {
        // GIVEN a table whose --engine defaults to podman
        let table = table(replacing: "engine") { $0.with(default: .value("podman")) }
        // WHEN help is written and an empty command line is parsed with it
        let help = HelpText.render(for: .build, presets: nil, table: table)
        let options = try Options.parse([], environment: [:], table: table)
        // THEN both say podman; the shipped table still says docker
        #expect(help.contains("[default: podman; env: LINBUILD_ENGINE]"))
        #expect(options.engine == "podman")
        #expect(HelpText.render(for: .build, presets: nil).contains("[default: docker; env: LINBUILD_ENGINE]"))
        #expect(try Options.parse([], environment: [:]).engine == "docker")
        // AND the variable still beats the default, and the option beats both
        #expect(try Options.parse([], environment: ["LINBUILD_ENGINE": "nerdctl"], table: table).engine == "nerdctl")
        #expect(try Options.parse(["--engine", "docker"], environment: ["LINBUILD_ENGINE": "nerdctl"], table: table).engine == "docker")
    }

    @Test func theLogAndTimeoutDefaultsComeFromTheTable() throws {
        let table = table(replacing: "log-dir") { $0.with(default: .value("/var/log/lb")) }
            .map { $0.name == "probe-timeout" ? $0.with(default: .value("7")) : $0 }
        let options = try Options.parse([], environment: [:], table: table)
        #expect(options.logDirectory == "/var/log/lb" && options.logs == "/var/log/lb")
        #expect(options.probeTimeout == 7)
        #expect(HelpText.render(for: .build, presets: nil, table: table).contains("[default: 7; env: LINBUILD_PROBE_TIMEOUT]"))
        // The shipped defaults, as users saw them before the table held them.
        let shipped = try Options.parse([], environment: [:])
        #expect(shipped.logs == ".linbuild/logs" && shipped.probeTimeout == 20 && Options().probeTimeout == 20)
    }

    @Test func boundsComeFromTheSpec() throws {
        // GIVEN a table whose --max-jobs stops at 8
        let table = table(replacing: "max-jobs") {
            OptionSpec(
                $0.name, value: $0.valueName, env: $0.environment, commands: $0.commands, default: $0.defaultValue, bounds: 1...8, $0.help)
        }
        // THEN 9 is refused with the table's bound in the message, and the shipped table takes it
        #expect(throws: LinbuildError.usage("--max-jobs '9' is not a whole number from 1 to 8")) {
            try Options.parse(["--max-jobs", "9"], environment: [:], table: table)
        }
        #expect(try Options.parse(["--max-jobs", "9"], environment: [:]).maxJobs == 9)
        #expect(try Options.parse(["--max-jobs", "1024"], environment: [:]).maxJobs == 1024)
        #expect(throws: LinbuildError.usage("--max-jobs '1025' is not a whole number from 1 to 1024")) {
            try Options.parse(["--max-jobs", "1025"], environment: [:])
        }
        // AND the one declared limit is the one help states
        #expect(OptionTable.maxJobs.help.contains("(1-\(OptionTable.jobBounds.upperBound),"))
    }

    @Test func thePresetsLoaderTakesTheJobLimitFromTheTable() throws {
        let limit = OptionTable.jobBounds.upperBound
        let over = try shippedPresetsText(replacing: "\"maxJobs\": 12", with: "\"maxJobs\": \(limit + 1)")
        #expect(throws: LinbuildError.self) { try PresetsLoader.parse(Array(over.utf8), file: "presets.json") }
        let fits = try shippedPresetsText(replacing: "\"maxJobs\": 12", with: "\"maxJobs\": \(limit)")
        #expect(try PresetsLoader.parse(Array(fits.utf8), file: "presets.json").defaults.maxJobs == limit)
    }

    @Test func aSubcommandThatIgnoresTheVariableIsDeclaredOnTheSpec() throws {
        // validate reads the architecture from the image's label: LINBUILD_ARCH must not override it
        #expect(try Options.parse(["validate", "img"], environment: ["LINBUILD_ARCH": "hopper"]).arches == nil)
        #expect(try Options.parse(["check"], environment: ["LINBUILD_ARCH": "hopper"]).arches == .named(["hopper"]))
        // and that rule is the spec's: a table without it lets the variable through
        let table = table(replacing: "arch") {
            OptionSpec(
                $0.name, value: $0.valueName, env: $0.environment, completion: $0.completion, commands: $0.commands,
                default: $0.defaultValue, otherDefaults: $0.otherDefaults, $0.help)
        }
        #expect(
            try Options.parse(["validate", "img"], environment: ["LINBUILD_ARCH": "hopper"], table: table).arches == .named(["hopper"]))
    }

    @Test func helpShowsWhatTheSubcommandDoesWithoutTheOption() {
        #expect(HelpText.render(for: .check, presets: nil).contains("[default: all; env: LINBUILD_ARCH]"))
        #expect(
            HelpText.render(for: .validate, presets: nil).contains(
                "[default: the image's \(ValidateCommand.architectureLabel) label; env: LINBUILD_ARCH]"))
    }

    @Test func presetsFillExactlyTheOptionsWhoseSpecSaysSo() throws {
        let presets = shippedPresets
        let options = Options()
        let filled: [PresetsField: String] = [
            .branch: options.branch(or: presets), .source: options.source(or: presets), .namespace: options.namespace(or: presets),
            .platform: options.platform(or: presets), .maxJobs: String(options.maxJobs(or: presets)),
        ]
        for (field, value) in filled {
            #expect(value == field.text(in: presets.defaults), "\(field)")
            #expect(OptionTable.all.contains { $0.defaultValue == .presets(field) }, "\(field) has a spec that says presets supply it")
        }
        // Given on the command line, the option wins.
        #expect(try Options.parse(["--branch", "dev"], environment: [:]).branch(or: presets) == "dev")
        // And help shows the presets' value for a presets-backed option.
        #expect(HelpText.render(for: .build, presets: presets).contains("[default: \(presets.defaults.branch); env: LINBUILD_BRANCH]"))
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func completionsReadTheTable(_ shell: String) {
        // GIVEN a table whose --progress completes other words, WHEN the script is written with it
        let table = table(replacing: "progress") {
            OptionSpec(
                $0.name, value: $0.valueName, env: $0.environment, completion: .words(["auto", "rawlog"]), commands: $0.commands,
                default: $0.defaultValue, $0.help)
        }
        let script = Completions.script(for: shell, presets: shippedPresets, table: table)
        // THEN the new word is offered, and the shipped table's is not
        #expect(script.contains("rawlog"))
        #expect(!Completions.script(for: shell, presets: shippedPresets).contains("rawlog"))
    }
}
