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
