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

    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                workingDirectory: String? = nil, standardInput: String? = nil) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.standardInput = standardInput
    }

    /// The command as one line a POSIX shell runs unchanged.
    public var shellLine: String {
        let assignments = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\(ShellQuote.quote($0.value))" }
        let words = ([executable] + arguments).map(ShellQuote.quote)
        let line = (assignments + words).joined(separator: " ")
        return workingDirectory.map { "(cd \(ShellQuote.quote($0)) && \(line))" } ?? line
    }
}

/// POSIX single-quoting: the only quoting in which no character is special.
public enum ShellQuote {
    public static func quote(_ word: String) -> String {
        if !word.isEmpty, word.unicodeScalars.allSatisfy(isSafe) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }

    private static func isSafe(_ scalar: Unicode.Scalar) -> Bool {
        TagGrammar.isAlphanumeric(scalar) || "@%+=:,./_-".unicodeScalars.contains(scalar)
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
