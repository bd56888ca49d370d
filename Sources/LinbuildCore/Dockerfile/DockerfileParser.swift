import Foundation

/// Reads a Dockerfile into instructions and stages.
public enum DockerfileParser {
    public static func load(path: String) throws -> Dockerfile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LinbuildError.missingFile(path, what: "Dockerfile")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw LinbuildError.contract("\(path):1: not UTF-8 text; is it a Dockerfile?")
        }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) throws -> Dockerfile {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        }
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
                stages.append(.init(index: stages.count, name: name, baseImage: image, fromLine: instruction.line,
                                    endLine: instruction.endLine, instructions: []))
            } else if stages.isEmpty {
                guard instruction.keyword == "ARG" else {
                    throw LinbuildError.contract("\(path):\(instruction.line): \(instruction.keyword) before the first FROM (only ARG may come first)")
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
        var escape: Character = "\\"
        var result: [Dockerfile.Instruction] = []
        var index = 0
        var directivesAllowed = true
        while index < lines.count {
            let startLine = index + 1
            let trimmed = lines[index].trimmingCharacters(in: .whitespaces)
            index += 1
            if trimmed.isEmpty { directivesAllowed = false; continue }
            if trimmed.hasPrefix("#") {
                if directivesAllowed, let value = directive("escape", in: trimmed), let character = value.first, value.count == 1 {
                    escape = character
                }
                continue
            }
            directivesAllowed = false
            var logical = trimmed
            while logical.last == escape {
                logical.removeLast()
                while logical.last?.isWhitespace == true { logical.removeLast() }
                // Comment and blank lines inside a continuation are dropped, as BuildKit does.
                while index < lines.count {
                    let next = lines[index].trimmingCharacters(in: .whitespaces)
                    if next.hasPrefix("#") || next.isEmpty { index += 1; continue }
                    break
                }
                guard index < lines.count else { break }
                logical += " " + lines[index].trimmingCharacters(in: .whitespaces)
                index += 1
            }
            let keywordEnd = logical.firstIndex(where: \.isWhitespace) ?? logical.endIndex
            let keyword = logical[..<keywordEnd].uppercased()
            let arguments = logical[keywordEnd...].trimmingCharacters(in: .whitespaces)
            guard keyword.allSatisfy({ $0.isLetter }) else {
                // The line is not echoed: a wrong --dockerfile must not print a file's contents.
                throw LinbuildError.contract("\(path):\(startLine): not a Dockerfile instruction (is --dockerfile the right file?)")
            }
            for terminator in heredocTerminators(in: arguments) {
                while index < lines.count {
                    let line = lines[index]
                    index += 1
                    if line == terminator || line.trimmingCharacters(in: CharacterSet(charactersIn: "\t")) == terminator { break }
                }
            }
            result.append(.init(keyword: keyword, arguments: arguments, line: startLine, endLine: index))
        }
        return result
    }

    private static func directive(_ name: String, in comment: String) -> String? {
        let body = comment.dropFirst().trimmingCharacters(in: .whitespaces)
        guard let equals = body.firstIndex(of: "="),
              body[..<equals].trimmingCharacters(in: .whitespaces).lowercased() == name else { return nil }
        return body[body.index(after: equals)...].trimmingCharacters(in: .whitespaces)
    }

    /// `<<EOF`, `<<-EOF`, `<<"EOF"`: BuildKit heredocs, whose bodies are not instructions.
    static func heredocTerminators(in arguments: String) -> [String] {
        var terminators: [String] = []
        var rest = Substring(arguments)
        while let range = rest.range(of: "<<") {
            var word = rest[range.upperBound...]
            if word.first == "-" { word = word.dropFirst() }
            let quote = word.first == "\"" || word.first == "'" ? word.first : nil
            if quote != nil { word = word.dropFirst() }
            let name = word.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            if !name.isEmpty, quote == nil || word.dropFirst(name.count).first == quote {
                terminators.append(String(name))
            }
            rest = word
        }
        return terminators
    }
}
