import LinbuildSupport

/// The command line split into a subcommand, option values and positionals, before any meaning
/// is given to the values.
public struct ParsedArguments: Equatable, Sendable {
    public var subcommand: Subcommand = .build
    public var values: [String: String] = [:]
    public var flags: Set<String> = []
    public var positionals: [String] = []

    public func value(_ name: String) -> String? { values[name] }
    public func has(_ flag: String) -> Bool { flags.contains(flag) }
}

/// Splits `argv` by the option table. Accepts `--opt value`, `--opt=value`, `-h`, and `--`
/// to end options. Every mistake is a `LinbuildError.usage` naming the option.
public enum ArgumentParser {
    public static func parse(_ arguments: [String], table: [OptionSpec] = OptionTable.all) throws -> ParsedArguments {
        var result = ParsedArguments()
        var remaining = arguments[...]
        // `linbuild help [COMMAND]` is `linbuild [COMMAND] --help`.
        if remaining.first == "help" {
            remaining = remaining.dropFirst()
            result.flags.insert("help")
            if remaining.first == "reference" {
                // `linbuild help reference`: the Markdown reference page; no option is looked at.
                result.flags.insert("reference")
                remaining = remaining.dropFirst()
            } else if let word = remaining.first, !word.hasPrefix("-") {
                guard let subcommand = Subcommand(rawValue: word) else {
                    throw LinbuildError.usage(
                        "no command named \(Sanitized.forMessage(word)) (commands: \(Subcommand.allCases.map(\.rawValue).joined(separator: ", ")))"
                    )
                }
                result.subcommand = subcommand
                remaining = remaining.dropFirst()
            }
        } else if let first = remaining.first, let subcommand = Subcommand(rawValue: first), subcommand != .build {
            result.subcommand = subcommand
            remaining = remaining.dropFirst()
        } else if remaining.first == "build" {
            remaining = remaining.dropFirst()
        }

        while let argument = remaining.popFirst() {
            if argument == "--" {
                result.positionals.append(contentsOf: remaining)
                break
            }
            guard argument.hasPrefix("-"), argument != "-" else {
                result.positionals.append(argument)
                continue
            }
            let (spec, inlineValue) = try lookUp(argument, table)
            guard spec.applies(to: result.subcommand) else {
                throw LinbuildError.usage(
                    "--\(spec.name) does not apply to '\(result.subcommand.rawValue)' (see linbuild \(result.subcommand.rawValue) --help)")
            }
            guard spec.takesValue else {
                if inlineValue != nil {
                    throw LinbuildError.usage("--\(spec.name) takes no value (write just --\(spec.name))")
                }
                result.flags.insert(spec.name)
                continue
            }
            if let inlineValue {
                result.values[spec.name] = inlineValue
            } else if let next = remaining.first, !looksLikeOption(next, table) {
                result.values[spec.name] = next
                remaining = remaining.dropFirst()
            } else {
                throw LinbuildError.usage("--\(spec.name) needs a value: --\(spec.name) \(spec.valueName ?? "VALUE")")
            }
        }
        return result
    }

    private static func lookUp(_ argument: String, _ table: [OptionSpec]) throws -> (OptionSpec, String?) {
        if argument.hasPrefix("--") {
            let body = argument.dropFirst(2)
            let name: Substring
            let value: String?
            if let equals = body.firstIndex(of: "=") {
                name = body[..<equals]
                value = String(body[body.index(after: equals)...])
            } else {
                name = body
                value = nil
            }
            if let spec = OptionTable.spec(named: String(name), in: table) { return (spec, value) }
            throw LinbuildError.usage(unknownOptionMessage("--" + name, table))
        }
        let body = argument.dropFirst()
        if body.count == 1, let spec = OptionTable.spec(short: body.first!, in: table) { return (spec, nil) }
        throw LinbuildError.usage(unknownOptionMessage(argument, table))
    }

    /// A word that names a known option is read as a forgotten value (`--arch --push`); any other
    /// word is the value, even with a leading dash (`--tag-suffix -feat`). Values are validated later.
    private static func looksLikeOption(_ word: String, _ table: [OptionSpec]) -> Bool {
        guard word.hasPrefix("-"), word != "-" else { return false }
        return (try? lookUp(word, table)) != nil
    }

    static func unknownOptionMessage(_ option: String, _ table: [OptionSpec] = OptionTable.all) -> String {
        let printable = Sanitized.forMessage(option)
        let candidates = table.map { "--" + $0.name }
        if let nearest = EditDistance.nearest(to: option, among: candidates) {
            return "unknown option \(printable); did you mean \(nearest)? (see linbuild --help)"
        }
        return "unknown option \(printable) (see linbuild --help)"
    }
}
