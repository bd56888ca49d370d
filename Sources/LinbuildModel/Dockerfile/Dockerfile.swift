/// A Dockerfile split into instructions and stages, enough to check the contract with the plan
/// and to hash the text the base image depends on. `DockerfileParser` reads it as BuildKit does.
public struct Dockerfile: Equatable, Sendable {
    public struct Instruction: Equatable, Sendable {
        /// Uppercased: `FROM`, `ARG`, `RUN`, …
        public var keyword: String
        /// Everything after the keyword, continuation lines joined as BuildKit joins them.
        public var arguments: String
        public var line: Int
        public var endLine: Int
        /// The bodies of its heredocs (`RUN <<EOF` … `EOF`), in order.
        public var heredocs: [String] = []
    }

    public struct ArgDeclaration: Equatable, Sendable {
        public var name: String
        public var defaultValue: String?
        public var line: Int
    }

    public struct Stage: Equatable, Sendable {
        public var index: Int
        public var name: String?
        /// The image expression after FROM, flags removed (`${BASE_IMAGE}`, `builder`).
        public var baseImage: String
        public var fromLine: Int
        public var endLine: Int
        /// Every instruction after FROM.
        public var instructions: [Instruction]
        /// Everything after the FROM keyword, flags included (`--platform=$X img AS name`).
        public var fromArguments: String = ""

        public var args: [ArgDeclaration] { instructions.filter { $0.keyword == "ARG" }.flatMap { Dockerfile.argDeclarations(in: $0) } }
        /// The variables its ENV instructions set.
        public var envNames: [String] { instructions.filter { $0.keyword == "ENV" }.flatMap { Dockerfile.envNames(in: $0) } }
        public var label: String { name ?? String(index) }
        /// For messages: `'builder'`, or `#0` for an unnamed stage.
        public var quotedLabel: String { name.map { "'\($0)'" } ?? "#\(index)" }
    }

    public var path: String
    public var lines: [String]
    /// ARGs before the first FROM: the only ones a FROM line can use.
    public var globalArgs: [ArgDeclaration]
    public var stages: [Stage]

    public func stage(named name: String) -> Stage? {
        stages.first { $0.name?.lowercased() == name.lowercased() }
    }

    /// The stages `target` needs, in file order: itself, the stages it is FROM, and those it copies
    /// or mounts from, transitively. BuildKit builds exactly these for `--target`.
    ///
    /// `values`: the arguments the build passes. With them, a stage named through an ARG
    /// (`FROM ${X} AS y`, `--from=$X`) is followed to the stage the passed value, or else the global
    /// ARG's default, names; a FROM line sees only global ARGs (an ARG declared in no global ARG is
    /// empty there). Without them, such a reference names no stage. BuildKit does not expand ARGs in
    /// `--from` (the build fails on the literal `$X`); Buildah does: following it keys what Buildah builds.
    public func closure(of target: String, passing values: [String: String]? = nil) -> [Stage] {
        guard let start = stage(named: target) else { return [] }
        var needed: Set<Int> = []
        var pending = [start.index]
        while let index = pending.popLast() {
            guard needed.insert(index).inserted else { continue }
            for (position, var reference) in references(of: stages[index]).enumerated() {
                if let values, reference.contains("$") {
                    guard let resolved = resolve(reference, values: position == 0 ? globalValues(values) : values) else { continue }
                    reference = resolved
                }
                if let other = self.stage(named: reference), other.index < index { pending.append(other.index) }
                if let number = Int(reference), number < index, number >= 0 { pending.append(number) }
            }
        }
        return stages.filter { needed.contains($0.index) }
    }

    /// What a stage is FROM, copies from and mounts from, as written.
    func references(of stage: Stage) -> [String] {
        var references = [stage.baseImage]
        for instruction in stage.instructions where instruction.keyword == "COPY" || instruction.keyword == "RUN" {
            references += Self.stageReferences(in: instruction.arguments)
        }
        return references
    }

    /// The references of `target`'s stages that may name a stage through an ARG whose value this
    /// cannot tell (neither passed nor with a global default, or a form it does not evaluate): what
    /// its closure might miss. A reference whose own text has `:`, `/` or `@` names an image (a stage
    /// name has none of them), whatever its ARGs hold.
    public func unresolvedReferences(of target: String, passing values: [String: String]) -> [String] {
        closure(of: target, passing: values).flatMap { references(of: $0).enumerated() }
            .filter { position, reference in
                let seen = position == 0 ? globalValues(values) : values
                guard reference.contains("$"), resolve(reference, values: seen) == nil else { return false }
                let literal = reference.replacing(/\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*/, with: "")
                return !literal.contains { ":/@".contains($0) }
            }
            .map(\.element)
    }

    /// The values a FROM line sees: those of global ARGs only (BuildKit's FROM expands no other).
    func globalValues(_ values: [String: String]) -> [String: String] {
        let global = Set(globalArgs.map(\.name))
        return values.filter { global.contains($0.key) }
    }

    /// `reference` with each `$NAME`, `${NAME}` and `${NAME:-word}` (the Dockerfile reference's
    /// modifiers, docs/upstream.md) replaced as a build would: the value in `values`, or else the
    /// global ARG's default (the only ARGs a FROM line sees), or else the word; nil when there is
    /// none, or for a form this does not evaluate (`${NAME:+word}` and the rest).
    func resolve(_ reference: String, values: [String: String]) -> String? {
        var out = ""
        var rest = Substring(reference)
        while let dollar = rest.firstIndex(of: "$") {
            out += rest[..<dollar]
            rest = rest[rest.index(after: dollar)...]
            let braced = rest.first == "{"
            if braced { rest = rest.dropFirst() }
            let name = String(rest.prefix { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) })
            rest = rest.dropFirst(name.count)
            guard !name.isEmpty else { return nil }
            let value = values[name] ?? globalArgs.last(where: { $0.name == name })?.defaultValue
            guard braced else {
                guard let value else { return nil }
                out += value
                continue
            }
            guard let close = rest.firstIndex(of: "}") else { return nil }
            let modifier = rest[..<close]
            rest = rest[rest.index(after: close)...]
            if modifier.isEmpty {
                guard let value else { return nil }
                out += value
            } else if modifier.hasPrefix(":-") {
                out += value.flatMap { $0.isEmpty ? nil : $0 } ?? String(modifier.dropFirst(2))
            } else {
                return nil
            }
        }
        return out + rest
    }

    /// Form 1 of the base inputs (linbuild before form 2): the first line of each global ARG and
    /// the raw lines of every stage the target needs. Kept only to recognise bases recorded with
    /// it; `normalForm(of:passedArguments:)` is what new bases record.
    public func text(of target: String) -> String {
        var chunks = globalArgs.map { lines[$0.line - 1] }
        for stage in closure(of: target) {
            chunks.append(lines[(stage.fromLine - 1)..<stage.endLine].joined(separator: "\n"))
        }
        return chunks.joined(separator: "\n")
    }

    /// `--from=builder` and `--mount=…,from=builder,…` values.
    static func stageReferences(in arguments: String) -> [String] {
        var references: [String] = []
        for word in arguments.split(separator: " ") where word.hasPrefix("--") {
            if word.hasPrefix("--from=") { references.append(String(word.dropFirst(7))) }
            if word.hasPrefix("--mount=") {
                for field in word.dropFirst(8).split(separator: ",") where field.hasPrefix("from=") {
                    references.append(String(field.dropFirst(5)))
                }
            }
        }
        return references
    }

    /// `ENV A=1 B=2` sets A and B; the old form `ENV A 1` sets A.
    static func envNames(in instruction: Instruction) -> [String] {
        let words = ShellWords.split(instruction.arguments)
        guard let first = words.first else { return [] }
        guard first.contains("=") else { return [first] }
        return words.compactMap { word in word.firstIndex(of: "=").map { String(word[..<$0]) } }
    }

    static func argDeclarations(in instruction: Instruction) -> [ArgDeclaration] {
        ShellWords.split(instruction.arguments).map { word in
            if let equals = word.firstIndex(of: "=") {
                return ArgDeclaration(
                    name: String(word[..<equals]), defaultValue: String(word[word.index(after: equals)...]), line: instruction.line)
            }
            return ArgDeclaration(name: word, defaultValue: nil, line: instruction.line)
        }
    }
}

/// Splits instruction arguments into words the way the Dockerfile frontend does for ARG and
/// FROM: whitespace-separated, with single and double quotes grouping.
enum ShellWords {
    static func split(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character?
        var inWord = false
        for character in text {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "\"" || character == "'" {
                quote = character
                inWord = true
            } else if character.isWhitespace {
                if inWord { words.append(current); current = ""; inWord = false }
            } else {
                current.append(character)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }

    /// Whitespace-separated words with their quotes and backslashes kept, as BuildKit's lexer
    /// gives them to its heredoc detection (`"<<EOF"` stays quoted, so it is not a heredoc).
    static func rawWords(_ text: String) -> [String] {
        lex(text, keepingQuotes: true).words
    }

    /// `"EOF"`, `'EOF'`, `E"O"F` → `EOF`; `nil` unless the text is exactly one word with its
    /// quotes closed.
    static func singleUnquoted(_ text: String) -> String? {
        let (words, closed) = lex(text, keepingQuotes: false)
        return closed && words.count == 1 ? words[0] : nil
    }

    /// The one scanner behind both: quotes group, a backslash escapes the next character outside
    /// single quotes; `keepingQuotes` keeps the quote and escape characters in the words.
    private static func lex(_ text: String, keepingQuotes: Bool) -> (words: [String], closed: Bool) {
        var words: [String] = []
        var current = ""
        var quote: Character?
        var escaped = false
        for character in text {
            if escaped {
                current.append(character)
                escaped = false
            } else if let open = quote {
                let closes = character == open
                escaped = !closes && character == "\\" && open == "\""
                if closes { quote = nil }
                if keepingQuotes || !(closes || escaped) { current.append(character) }
            } else if character == "\\" || character == "\"" || character == "'" {
                if character == "\\" { escaped = true } else { quote = character }
                if keepingQuotes { current.append(character) }
            } else if character.isWhitespace {
                if !current.isEmpty { words.append(current); current = "" }
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { words.append(current) }
        return (words, quote == nil)
    }
}

/// `$NAME`, `${NAME}`, `${NAME:-default}` references in instruction text.
struct ArgumentReference: Equatable {
    var name: String
    /// `${NAME:-x}`, `${NAME-x}`, `${NAME:+x}`, `${NAME+x}`: the text says what happens when
    /// NAME is unset, so leaving it unset is a choice, not a mistake.
    var hasFallback: Bool

    static func all(in text: String) -> [ArgumentReference] {
        var references: [ArgumentReference] = []
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            rest = rest[rest.index(after: dollar)...]
            let braced = rest.first == "{"
            if braced { rest = rest.dropFirst() }
            let name = rest.prefix { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
            rest = rest.dropFirst(name.count)
            guard let first = name.first, !first.isNumber else { continue }
            let modifier = braced ? rest.prefix(2) : ""
            let hasFallback = ["-", "+"].contains(modifier.first) || [":-", ":+"].contains(modifier)
            references.append(ArgumentReference(name: String(name), hasFallback: hasFallback))
        }
        return references
    }

    static func names(in text: String) -> [String] { all(in: text).map(\.name) }
}
