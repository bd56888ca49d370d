/// One command-line option. The parser, `--help` and the shell completions all read the same
/// table, so an option cannot exist in one and be missing from another.
public struct OptionSpec: Sendable, Equatable {
    public enum Completion: Sendable, Equatable {
        case none, file, directory, arch
        case words([String])
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

    public var takesValue: Bool { valueName != nil }

    init(_ name: String, short: Character? = nil, value: String? = nil, env: String? = nil,
         completion: Completion = .none, commands: Set<Subcommand> = [], _ help: String) {
        self.name = name
        self.short = short
        self.valueName = value
        self.help = help
        self.environment = env
        self.completion = completion
        self.commands = commands
    }
}

/// What linbuild was asked to do.
public enum Subcommand: String, Sendable, CaseIterable, Hashable {
    case build, check, validate, preflight, completions

    public var summary: String {
        switch self {
        case .build: "build the base (when needed) and runtime images (the default)"
        case .check: "check presets and the Dockerfile against the plan, without an engine"
        case .validate: "run the architecture's checks inside IMAGE"
        case .preflight: "check that every upstream input of the base exists, in seconds"
        case .completions: "print a completion script for bash, zsh or fish"
        }
    }
}
