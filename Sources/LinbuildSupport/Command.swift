/// One external program to run: an argument vector, never a shell string.
///
/// Two kinds of argument stand for a value the printed command must not (or cannot) show, both
/// spelled `$NAME` and shown as `"$NAME"` in shell lines: a secret, known when the command is made
/// but never printed (a URL with a token), and a run value, known only once the run has got that
/// far (the image ID a base build made). The arguments keep `$NAME`; JSON lists the run values'
/// names (`runValues`) and never a secret. A secret can also reach a program as a file
/// (`secretFiles`: a build secret).
public struct Command: Equatable, Sendable, Codable {
    /// A name looked up on `PATH`, or a path.
    public var executable: String
    public var arguments: [String]
    /// Overrides merged into linbuild's own environment (never a replacement of it).
    public var environment: [String: String]
    public var workingDirectory: String?
    /// Written to the child's standard input, then closed; `nil` gives it `/dev/null`.
    public var standardInput: String?
    /// Values that must not be printed: an argument `$NAME` stands for `secrets[NAME]`.
    public var secrets: [String: String] = [:]
    /// The names of the run values its arguments hold (`$NAME`): `filling(_:)` supplies them.
    public var runValues: Set<String> = []
    /// Files the command reads a secret from (`--secret id=PYPI_INDEX,src=PATH`): path → the name in
    /// `secrets` whose value goes in it. Whoever runs the command writes them first, readable by this
    /// user only, and removes them after; JSON shows the paths and names, never the values.
    public var secretFiles: [String: String] = [:]

    enum CodingKeys: String, CodingKey {
        case executable, arguments, environment, workingDirectory, standardInput, runValues, secretFiles
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        executable = try container.decode(String.self, forKey: .executable)
        arguments = try container.decode([String].self, forKey: .arguments)
        environment = try container.decode([String: String].self, forKey: .environment)
        workingDirectory = try container.decodeIfPresent(String.self, forKey: .workingDirectory)
        standardInput = try container.decodeIfPresent(String.self, forKey: .standardInput)
        runValues = try container.decodeIfPresent(Set<String>.self, forKey: .runValues) ?? []
        secretFiles = try container.decodeIfPresent([String: String].self, forKey: .secretFiles) ?? [:]
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(executable, forKey: .executable)
        try container.encode(arguments, forKey: .arguments)
        try container.encode(environment, forKey: .environment)
        try container.encodeIfPresent(workingDirectory, forKey: .workingDirectory)
        try container.encodeIfPresent(standardInput, forKey: .standardInput)
        if !runValues.isEmpty { try container.encode(runValues.sorted(), forKey: .runValues) }
        // Only when there are some, so a plan without credentials reads as it did.
        if !secretFiles.isEmpty { try container.encode(secretFiles, forKey: .secretFiles) }
    }

    public init(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:],
        workingDirectory: String? = nil, standardInput: String? = nil
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.standardInput = standardInput
    }

    /// The argument that stands for the run value `name`.
    public static func runValue(_ name: String) -> String { "$" + name }

    /// The command to start: placeholders replaced by the secrets they stand for.
    public var revealed: Command {
        guard !secrets.isEmpty else { return self }
        var command = self
        command.arguments = arguments.map { argument in
            argument.hasPrefix("$") ? secrets[String(argument.dropFirst())] ?? argument : argument
        }
        return command
    }

    /// The command with its run values given; nil when `values` lacks one of them.
    public func filling(_ values: [String: String]) -> Command? {
        guard runValues.isSubset(of: values.keys) else { return nil }
        var command = self
        command.arguments = arguments.map { argument in
            guard let name = placeholder(argument), runValues.contains(name) else { return argument }
            return values[name]!
        }
        command.runValues = []
        return command
    }

    /// The command with every argument equal to `argument` replaced by `replacement`.
    public func replacing(argument: String, with replacement: String) -> Command {
        var command = self
        command.arguments = arguments.map { $0 == argument ? replacement : $0 }
        return command
    }

    /// The command as one line a POSIX shell runs unchanged.
    public var shellLine: String { shellLine(substituting: [:]) }

    /// The shell line, with the placeholders named in `words` written as those shell words as
    /// they are (a dry-run script's own variables: `"$linbuild_id"`).
    public func shellLine(substituting words: [String: String]) -> String {
        let assignments = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\(ShellQuote.quote($0.value))" }
        let quoted = arguments.map { argument -> String in
            guard let name = placeholder(argument), secrets[name] != nil || runValues.contains(name) else {
                return ShellQuote.quote(argument)
            }
            return words[name] ?? "\"\(argument)\""
        }
        let line = (assignments + [ShellQuote.quoteProgram(executable)] + quoted).joined(separator: " ")
        return workingDirectory.map { "(cd \(ShellQuote.quote($0)) && \(line))" } ?? line
    }

    private func placeholder(_ argument: String) -> String? {
        argument.hasPrefix("$") ? String(argument.dropFirst()) : nil
    }
}
