import Foundation
import LinbuildSupport

/// Reads a Dockerfile into instructions and stages the way BuildKit's parser does
/// (`frontend/dockerfile/parser`): parser directives only at the very top, the escape token as
/// line continuation, comment and blank lines dropped inside a continuation, and heredoc bodies
/// (`RUN <<EOF`) consumed, so a `FROM` inside one is not a stage.
public enum DockerfileParser {
    public static func load(path: String) throws -> Dockerfile {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw LinbuildError.wrongKind(
                "Dockerfile \(path) is a folder, not a file (pass the file itself, e.g. \(path)/Dockerfile, with --dockerfile)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LinbuildError.missingFile(path, what: "Dockerfile")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw LinbuildError.contract("\(path):1: not UTF-8 text; is it a Dockerfile?")
        }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) throws -> Dockerfile {
        // "\r\n" is one Character in Swift, so both line ends are named.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map { line in
            line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        }
        if let first = lines.first, first.hasPrefix("\u{FEFF}") { lines[0] = String(first.dropFirst()) }
        let instructions = try self.instructions(in: lines, path: path)
        var globalArgs: [Dockerfile.ArgDeclaration] = []
        var stages: [Dockerfile.Stage] = []
        for instruction in instructions {
            if instruction.keyword == "FROM" {
                if var previous = stages.popLast() {
                    previous.endLine = lastContentLine(in: lines, before: instruction.line, after: previous.fromLine)
                    stages.append(previous)
                }
                let words = ShellWords.split(instruction.arguments).filter { !$0.hasPrefix("--") }
                guard let image = words.first else {
                    throw LinbuildError.contract("\(path):\(instruction.line): FROM without an image")
                }
                var name: String?
                if words.count >= 3, words[1].uppercased() == "AS" { name = words[2] }
                stages.append(
                    .init(
                        index: stages.count, name: name, baseImage: image, fromLine: instruction.line,
                        endLine: instruction.endLine, instructions: [], fromArguments: instruction.arguments))
            } else if stages.isEmpty {
                guard instruction.keyword == "ARG" else {
                    throw LinbuildError.contract(
                        "\(path):\(instruction.line): \(instruction.keyword) before the first FROM (only ARG may come first)")
                }
                globalArgs += Dockerfile.argDeclarations(in: instruction)
            } else {
                stages[stages.count - 1].instructions.append(instruction)
            }
        }
        if var last = stages.popLast() {
            last.endLine = lastContentLine(in: lines, before: lines.count + 1, after: last.fromLine)
            stages.append(last)
        }
        return Dockerfile(path: path, lines: lines, globalArgs: globalArgs, stages: stages)
    }

    /// The last line before `line` that is not blank or a comment, so a stage's text does not
    /// include the comment that introduces the next stage.
    private static func lastContentLine(in lines: [String], before line: Int, after start: Int) -> Int {
        var candidate = line - 1
        while candidate > start {
            let text = lines[candidate - 1].trimmingCharacters(in: .whitespaces)
            if !text.isEmpty && !text.hasPrefix("#") { break }
            candidate -= 1
        }
        return candidate
    }

    private static func instructions(in lines: [String], path: String) throws -> [Dockerfile.Instruction] {
        var directives = Directives()
        var result: [Dockerfile.Instruction] = []
        var index = 0
        while index < lines.count {
            let startLine = index + 1
            let first = leftTrimmed(lines[index])
            index += 1
            do { try directives.consider(first) } catch let problem as DirectiveProblem {
                throw LinbuildError.contract("\(path):\(startLine): \(problem.message)")
            }
            if first.hasPrefix("#") { continue }
            var (logical, continues) = directives.splitContinuation(first)
            if !continues && logical.isEmpty { continue }
            while continues && index < lines.count {
                let raw = lines[index]
                index += 1
                // Comment and blank lines inside a continuation are dropped, as BuildKit does;
                // the other lines are joined as they are (their indentation is kept).
                let trimmed = leftTrimmed(raw)
                if trimmed.hasPrefix("#") || trimmed.isEmpty { continue }
                let part: String
                (part, continues) = directives.splitContinuation(raw)
                logical += part
            }
            let keywordEnd = logical.firstIndex(where: \.isWhitespace) ?? logical.endIndex
            let keyword = logical[..<keywordEnd].uppercased()
            let arguments = logical[keywordEnd...].trimmingCharacters(in: .whitespaces)
            guard keyword.allSatisfy({ $0.isLetter }) else {
                // The line is not echoed: a wrong --dockerfile must not print a file's contents.
                throw LinbuildError.contract("\(path):\(startLine): not a Dockerfile instruction (is --dockerfile the right file?)")
            }
            var bodies: [String] = []
            for heredoc in Heredoc.all(keyword: keyword, arguments: arguments) {
                var body: [String] = []
                var closed = false
                while index < lines.count {
                    let line = lines[index]
                    index += 1
                    let candidate = heredoc.stripsTabs ? String(line.drop { $0 == "\t" }) : line
                    if candidate == heredoc.terminator { closed = true; break }
                    body.append(line)
                }
                guard closed else {
                    throw LinbuildError.contract(
                        "\(path):\(startLine): the heredoc <<\(heredoc.terminator) is never closed (end it with a line holding only \(heredoc.terminator))"
                    )
                }
                bodies.append(body.joined(separator: "\n"))
            }
            result.append(.init(keyword: keyword, arguments: arguments, line: startLine, endLine: index, heredocs: bodies))
        }
        return result
    }

    private static func leftTrimmed(_ line: String) -> String {
        String(line.drop { $0.isWhitespace })
    }
}

/// A directive line that BuildKit refuses.
private struct DirectiveProblem: Error { var message: String }

/// Parser directives (`# escape=…`, `# syntax=…`, `# check=…`): honoured only in the comment lines
/// that open the file; the first other line (a plain comment, a blank line, an instruction) ends
/// them, and an unknown directive is a plain comment.
private struct Directives {
    static let known: Set<String> = ["syntax", "escape", "check"]
    var escape: Character = "\\"
    var done = false
    var seen: Set<String> = []

    mutating func consider(_ line: String) throws {
        guard !done else { return }
        guard line.hasPrefix("#"), let equals = line.firstIndex(of: "=") else { done = true; return }
        let key = line[line.index(after: line.startIndex)..<equals].trimmingCharacters(in: .whitespaces).lowercased()
        let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        let isWord = key.first?.isLetter == true && key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
        guard isWord, !value.isEmpty, Self.known.contains(key) else { done = true; return }
        guard seen.insert(key).inserted else { throw DirectiveProblem(message: "only one '\(key)' parser directive may be used") }
        if key == "escape" {
            guard value == "\\" || value == "`" else {
                throw DirectiveProblem(message: "the escape directive must be \\ or `, not '\(value)'")
            }
            escape = Character(value)
        }
    }

    /// The line without its continuation token, and whether it continues. A token that is itself
    /// escaped (`\\` at the end) is not a continuation.
    func splitContinuation(_ line: String) -> (String, Bool) {
        var text = Substring(line)
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        guard text.last == escape else { return (line, false) }
        let rest = text.dropLast()
        if rest.last == escape { return (line, false) }
        return (String(rest), true)
    }
}

/// `<<EOF`, `<<-EOF`, `<<"EOF"`, `2<<EOF` words of a RUN, COPY or ADD in shell form: BuildKit
/// heredocs, whose bodies follow the instruction and are not instructions themselves.
struct Heredoc: Equatable {
    var terminator: String
    /// `<<-`: leading tabs are removed from the body and from the terminator line.
    var stripsTabs: Bool

    static func all(keyword: String, arguments: String) -> [Heredoc] {
        guard ["RUN", "COPY", "ADD"].contains(keyword), !arguments.hasPrefix("[") else { return [] }
        return ShellWords.rawWords(arguments).compactMap(parse)
    }

    /// One word: optional digits, `<<`, optional `-`, then a single (possibly quoted) word.
    static func parse(_ word: String) -> Heredoc? {
        let afterDigits = word.drop { $0.isASCII && $0.isNumber }
        guard afterDigits.hasPrefix("<<") else { return nil }
        var rest = afterDigits.dropFirst(2)
        let stripsTabs = rest.first == "-"
        if stripsTabs { rest = rest.dropFirst() }
        guard !rest.isEmpty, !rest.contains("<"), let name = ShellWords.singleUnquoted(String(rest)) else { return nil }
        return Heredoc(terminator: name, stripsTabs: stripsTabs)
    }
}
