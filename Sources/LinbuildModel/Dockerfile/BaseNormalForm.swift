/// The part of a Dockerfile a target's image depends on, in a normal form: what BuildKit builds for
/// `--target`, without what it ignores. Two Dockerfiles with the same normal form build the same
/// image from the same arguments, so an edit that leaves it unchanged (a comment, indentation,
/// trailing spaces, blank lines, another stage, the default of an argument linbuild always passes)
/// never rebuilds a base.
///
/// The form, one line per item:
/// - `ARG NAME=default` for each global ARG (before the first FROM) that the needed stages use, in
///   file order, continuation lines joined; an ARG linbuild passes a value for is left out, since its
///   default never reaches the build;
/// - then for each needed stage (itself, the stages it is FROM, copies or mounts from, transitively,
///   in file order) its instructions: keyword upper-cased, continuation lines joined, comment lines
///   dropped, runs of whitespace outside quotes made one space; heredoc bodies follow verbatim.
extension Dockerfile {
    /// `values`: what the build passes, to follow a stage named through an ARG (`closure(of:passing:)`).
    public func normalForm(of target: String, passedArguments: Set<String>, values: [String: String]? = nil) -> String {
        let stages = closure(of: target, passing: values)
        let used = argumentsUsed(by: target, passing: values)
        var lines: [String] = []
        for arg in globalArgs where used.contains(arg.name) && !passedArguments.contains(arg.name) {
            lines.append("ARG " + arg.name + (arg.defaultValue.map { "=" + $0 } ?? ""))
        }
        for stage in stages {
            lines.append("FROM " + Self.collapsingWhitespace(stage.fromArguments))
            for instruction in stage.instructions {
                lines.append(instruction.keyword + " " + Self.collapsingWhitespace(instruction.arguments))
                for body in instruction.heredocs { lines.append("<<\n" + body + "\n>>") }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The build arguments a target's build can see: those its needed stages declare, and the global
    /// ARGs their FROM lines use. BuildKit ignores any other `--build-arg`, so only these shape the
    /// image (and only these are base inputs).
    public func argumentsUsed(by target: String, passing values: [String: String]? = nil) -> Set<String> {
        var used: Set<String> = []
        for stage in closure(of: target, passing: values) {
            used.formUnion(ArgumentReference.names(in: stage.fromArguments))
            used.formUnion(stage.args.map(\.name))
        }
        return used
    }

    /// Runs of whitespace outside quotes become one space; quoted text and escaped characters are
    /// kept as written.
    static func collapsingWhitespace(_ text: String) -> String {
        var out = ""
        var quote: Character?
        var escaped = false
        var pendingSpace = false
        for character in text {
            if escaped {
                out.append(character)
                escaped = false
                continue
            }
            if quote == nil && character.isWhitespace {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace { out.append(" "); pendingSpace = false }
            out.append(character)
            if character == "\\" && quote != "'" {
                escaped = true
            } else if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            }
        }
        return out
    }
}
