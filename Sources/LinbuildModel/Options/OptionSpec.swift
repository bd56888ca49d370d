/// One command-line option. The parser, `--help`, the reference page and the shell completions
/// all read the same table, so an option cannot exist in one and be missing from another, and its
/// default, variable and bounds are written in one place.
public struct OptionSpec: Sendable, Equatable {
    public enum Completion: Sendable, Equatable {
        case none, file, directory, arch
        case words([String])
    }

    /// What an option is worth when neither the command line nor its variable gives it.
    public enum Default: Sendable, Equatable {
        /// Parsing takes `value`, as if it had been typed; help shows `shown`, or the value.
        case value(String, shown: String? = nil)
        /// The presets file's `defaults` supply it (option > environment > presets).
        case presets(PresetsField)
        /// Nothing is filled in; help describes what happens without the option
        /// (the engine's own default, a file looked for in several places).
        case described(String)
    }

    public let name: String
    public let short: Character?
    /// Placeholder shown in help (`NAME`); `nil` for a flag.
    public let valueName: String?
    public let help: String
    /// Environment variable consulted when the option is absent (option > environment > presets).
    public let environment: String?
    public let completion: Completion
    /// Subcommands that accept the option; empty means every subcommand.
    public let commands: Set<Subcommand>
    public let defaultValue: Default?
    /// Subcommands that do something else without the option: what help says there.
    public let otherDefaults: [Subcommand: String]
    /// Subcommands that never read the variable: only the option overrides what they do by default
    /// (validate reads the architecture from the image's label).
    public let environmentIgnoredBy: Set<Subcommand>
    /// Whole-number options: the values accepted.
    public let bounds: ClosedRange<Int>?

    public var takesValue: Bool { valueName != nil }

    init(
        _ name: String, short: Character? = nil, value: String? = nil, env: String? = nil,
        completion: Completion = .none, commands: Set<Subcommand> = [], default defaultValue: Default? = nil,
        otherDefaults: [Subcommand: String] = [:], environmentIgnoredBy: Set<Subcommand> = [],
        bounds: ClosedRange<Int>? = nil, _ help: String
    ) {
        self.name = name
        self.short = short
        self.valueName = value
        self.help = help
        self.environment = env
        self.completion = completion
        self.commands = commands
        self.defaultValue = defaultValue
        self.otherDefaults = otherDefaults
        self.environmentIgnoredBy = environmentIgnoredBy
        self.bounds = bounds
    }

    /// The same spec with another default: tests use it to prove that help and parsing read the table.
    public func with(default newDefault: Default?) -> OptionSpec {
        OptionSpec(
            name, short: short, value: valueName, env: environment, completion: completion, commands: commands,
            default: newDefault, otherDefaults: otherDefaults, environmentIgnoredBy: environmentIgnoredBy, bounds: bounds, help)
    }

    public func applies(to subcommand: Subcommand) -> Bool { commands.isEmpty || commands.contains(subcommand) }
}

/// The fields of the presets file's `defaults` that stand in for an option.
public enum PresetsField: String, Sendable, Equatable, CaseIterable {
    case arch, branch, maxJobs, source, namespace, dockerfile, platform

    /// The value the presets give, as help shows it.
    public func text(in defaults: Presets.Defaults) -> String {
        switch self {
        case .arch: defaults.arch
        case .branch: defaults.branch
        case .maxJobs: String(defaults.maxJobs)
        case .source: defaults.source
        case .namespace: defaults.namespace
        case .dockerfile: defaults.dockerfile.hasPrefix("/") ? defaults.dockerfile : defaults.dockerfile + " (beside the presets file)"
        case .platform: defaults.platform
        }
    }
}

/// What linbuild was asked to do.
public enum Subcommand: String, Sendable, CaseIterable, Hashable {
    case build, check, validate, preflight, prune, completions

    public var summary: String {
        switch self {
        case .build: "build the base (when needed) and runtime images (the default)"
        case .check: "check presets and the Dockerfile against the plan, without an engine"
        case .validate: "run the architecture's checks inside IMAGE"
        case .preflight: "check that every upstream input of the base exists, in seconds"
        case .prune: "delete old runtimes and unused bases from a registry (a dry run unless --apply)"
        case .completions: "print a completion script for bash, zsh or fish"
        }
    }
}
