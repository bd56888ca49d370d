import LinbuildSupport

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
    /// Files the command reads a secret from (`--secret id=PYPI_INDEX,src=PATH`): path → the name in
    /// `secrets` whose value goes in it. Whoever runs the command writes them first, readable by this
    /// user only, and removes them after; JSON shows the paths and names, never the values.
    public var secretFiles: [String: String] = [:]

    enum CodingKeys: String, CodingKey {
        case executable, arguments, environment, workingDirectory, standardInput, secretFiles
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

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        executable = try container.decode(String.self, forKey: .executable)
        arguments = try container.decode([String].self, forKey: .arguments)
        environment = try container.decode([String: String].self, forKey: .environment)
        workingDirectory = try container.decodeIfPresent(String.self, forKey: .workingDirectory)
        standardInput = try container.decodeIfPresent(String.self, forKey: .standardInput)
        secretFiles = try container.decodeIfPresent([String: String].self, forKey: .secretFiles) ?? [:]
    }

    /// `secretFiles` only when there are some, so a plan without credentials reads as it did.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(executable, forKey: .executable)
        try container.encode(arguments, forKey: .arguments)
        try container.encode(environment, forKey: .environment)
        try container.encodeIfPresent(workingDirectory, forKey: .workingDirectory)
        try container.encodeIfPresent(standardInput, forKey: .standardInput)
        if !secretFiles.isEmpty { try container.encode(secretFiles, forKey: .secretFiles) }
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

/// POSIX single-quoting: the only quoting in which no character is special.
public enum ShellQuote {
    public static func quote(_ word: String) -> String {
        if !word.isEmpty, word.unicodeScalars.allSatisfy(isSafe) { return word }
        return singleQuoted(word)
    }

    /// A command's first word: a program named `a=b` or `if` would otherwise be read as an
    /// assignment or as shell syntax.
    public static func quoteProgram(_ word: String) -> String {
        word.contains("=") || reservedWords.contains(word) ? singleQuoted(word) : quote(word)
    }

    /// Scalar by scalar: a quote followed by a combining mark is one `Character` with it, so a
    /// replace by characters (Swift's or Foundation's) left that quote unescaped and the rest of
    /// the word outside the quotes, where the shell would run `$(…)`.
    private static func singleQuoted(_ word: String) -> String {
        var scalars = String.UnicodeScalarView()
        scalars.append("'")
        for scalar in word.unicodeScalars {
            if scalar == "'" { scalars.append(contentsOf: #"'\''"#.unicodeScalars) } else { scalars.append(scalar) }
        }
        scalars.append("'")
        return String(scalars)
    }

    private static let reservedWords: Set<String> = [
        "if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while",
        "until", "for", "in", "{", "}", "!",
    ]

    private static func isSafe(_ scalar: Unicode.Scalar) -> Bool {
        TagGrammar.isAlphanumeric(scalar) || "@%+=:,./_-".unicodeScalars.contains(scalar)
    }
}
