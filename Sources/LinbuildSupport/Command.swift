/// One external program to run: an argument vector, never a shell string.
public struct Command: Equatable, Sendable, Codable {
    /// A name looked up on `PATH`, or a path.
    public var executable: String
    public var arguments: [String]
    /// Overrides merged into linbuild's own environment (never a replacement of it).
    public var environment: [String: String]
    public var workingDirectory: String?
    /// Written to the child's standard input, then closed; `nil` gives it `/dev/null`.
    public var standardInput: String?
    /// Values that must not be printed (a URL with a token): an argument `$NAME` stands for
    /// `secrets[NAME]`, shown as `"$NAME"` in shell lines and never encoded in JSON.
    public var secrets: [String: String] = [:]

    enum CodingKeys: String, CodingKey {
        case executable, arguments, environment, workingDirectory, standardInput
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

    /// The command to start: placeholders replaced by the secrets they stand for.
    public var revealed: Command {
        guard !secrets.isEmpty else { return self }
        var command = self
        command.arguments = arguments.map { argument in
            argument.hasPrefix("$") ? secrets[String(argument.dropFirst())] ?? argument : argument
        }
        return command
    }

    /// The command as one line a POSIX shell runs unchanged.
    public var shellLine: String {
        let assignments = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\(ShellQuote.quote($0.value))" }
        let words =
            [ShellQuote.quoteProgram(executable)]
            + arguments.map { argument in
                argument.hasPrefix("$") && secrets[String(argument.dropFirst())] != nil ? "\"\(argument)\"" : ShellQuote.quote(argument)
            }
        let line = (assignments + words).joined(separator: " ")
        return workingDirectory.map { "(cd \(ShellQuote.quote($0)) && \(line))" } ?? line
    }
}
