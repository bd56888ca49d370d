/// An image a stage pulls from a registry (`FROM ${OS_IMAGE}:${OS_TAG} AS base`), as a build with
/// the given arguments would pull it, and how linbuild can pin it: the build argument whose value
/// ends the reference (`OS_TAG`) gets `@sha256:…` appended, so `ubuntu:22.04` becomes
/// `ubuntu:22.04@sha256:…`, which BuildKit and Buildah both pull by the digest (the tag is then
/// only a name for people).
public struct UpstreamImage: Equatable, Sendable {
    /// The stage's name (`base`), or its index for an unnamed stage: the lock's key.
    public var stage: String
    public var line: Int
    /// `ubuntu:22.04`, `nvidia/cuda:12.8.0-cudnn-devel-ubuntu22.04`.
    public var reference: String
    /// The argument whose value ends the reference, and that value: nil when the line ends in
    /// literal text (`FROM ubuntu:22.04`), which only the Dockerfile itself can pin.
    public var pin: (argument: String, value: String)?
    /// The reference already names a digest (`FROM ubuntu:22.04@sha256:…`): pinned in the file.
    public var pinnedInDockerfile: Bool { reference.contains("@") }

    /// The tag people read (`22.04`); `latest` when the reference has none.
    public var tag: String { Self.tag(of: reference) }

    /// The repository, without tag or digest (`ubuntu`, `127.0.0.1:5000/lib/os`).
    public var repository: String { Self.repository(of: reference) }

    static func tag(of reference: String) -> String {
        let name = reference.split(separator: "@", maxSplits: 1).first.map(String.init) ?? reference
        guard let colon = name.lastIndex(of: ":"), !name[colon...].contains("/") else { return "latest" }
        return String(name[name.index(after: colon)...])
    }

    static func repository(of reference: String) -> String {
        let name = reference.split(separator: "@", maxSplits: 1).first.map(String.init) ?? reference
        guard let colon = name.lastIndex(of: ":"), !name[colon...].contains("/") else { return name }
        return String(name[..<colon])
    }

    public static func == (lhs: UpstreamImage, rhs: UpstreamImage) -> Bool {
        lhs.stage == rhs.stage && lhs.line == rhs.line && lhs.reference == rhs.reference && lhs.pin?.argument == rhs.pin?.argument
            && lhs.pin?.value == rhs.pin?.value
    }
}

extension Dockerfile {
    /// The images `target`'s stages pull from registries, in file order: not `scratch`, not a stage
    /// of this file, and not the images linbuild makes itself (`DockerfileContract.ownImageArguments`).
    /// `arguments` are the build's (`--build-arg`); an argument they lack takes its global default.
    public func upstreamImages(of target: String, arguments: [String: String]) -> [UpstreamImage] {
        var values: [String: String] = [:]
        for arg in globalArgs { if let value = arg.defaultValue { values[arg.name] = value } }
        values.merge(arguments) { $1 }
        return closure(of: target).compactMap { stage in
            let expression = ImageExpression(stage.baseImage)
            guard !expression.variables.contains(where: DockerfileContract.ownImageArguments.contains) else { return nil }
            let reference = expression.expanded(values)
            let isStage = stages.contains {
                $0.index < stage.index && ($0.name?.lowercased() == reference.lowercased() || "\($0.index)" == reference)
            }
            guard !reference.isEmpty, reference.lowercased() != "scratch", !isStage else { return nil }
            return UpstreamImage(stage: stage.label, line: stage.fromLine, reference: reference, pin: expression.trailingArgument(values))
        }
    }
}

/// A FROM line's image expression split into literal text and argument references, expanded the
/// way the Dockerfile frontend expands them: `$X`, `${X}`, `${X:-word}`, `${X-word}`, `${X:+word}`,
/// `${X+word}` (a word may hold references of its own).
struct ImageExpression {
    enum Part {
        case text(String)
        /// `modifier` is `:-`, `-`, `:+`, `+` or empty.
        case variable(name: String, modifier: String, word: String)
    }

    var parts: [Part] = []

    init(_ text: String) {
        var rest = Substring(text)
        var literal = ""
        while let character = rest.first {
            guard character == "$" else {
                literal.append(character)
                rest = rest.dropFirst()
                continue
            }
            let afterDollar = rest.dropFirst()
            if afterDollar.first == "{", let close = Self.closingBrace(in: afterDollar) {
                let body = afterDollar[afterDollar.index(after: afterDollar.startIndex)..<close]
                let name = body.prefix { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
                var tail = body.dropFirst(name.count)
                let modifier =
                    tail.hasPrefix(":-") || tail.hasPrefix(":+")
                    ? String(tail.prefix(2)) : tail.first.map { ["-", "+"].contains($0) ? String($0) : "" } ?? ""
                tail = tail.dropFirst(modifier.count)
                if !literal.isEmpty { parts.append(.text(literal)); literal = "" }
                parts.append(.variable(name: String(name), modifier: modifier, word: String(tail)))
                rest = afterDollar[afterDollar.index(after: close)...]
                continue
            }
            let name = afterDollar.prefix { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
            guard !name.isEmpty else {
                literal.append("$")
                rest = afterDollar
                continue
            }
            if !literal.isEmpty { parts.append(.text(literal)); literal = "" }
            parts.append(.variable(name: String(name), modifier: "", word: ""))
            rest = afterDollar.dropFirst(name.count)
        }
        if !literal.isEmpty { parts.append(.text(literal)) }
    }

    /// The `}` that closes the `{` at the start of `text`, nested braces counted.
    private static func closingBrace(in text: Substring) -> Substring.Index? {
        var depth = 0
        for index in text.indices {
            if text[index] == "{" { depth += 1 }
            if text[index] == "}" {
                depth -= 1
                if depth == 0 { return index }
            }
        }
        return nil
    }

    var variables: [String] {
        parts.flatMap { part -> [String] in
            guard case .variable(let name, _, let word) = part else { return [] }
            return [name] + ImageExpression(word).variables
        }
    }

    func expanded(_ values: [String: String]) -> String {
        parts.map { Self.expand($0, values) }.joined()
    }

    private static func expand(_ part: Part, _ values: [String: String]) -> String {
        switch part {
        case .text(let text): return text
        case .variable(let name, let modifier, let word):
            let value = values[name]
            let isSet = value != nil, isNonEmpty = !(value ?? "").isEmpty
            switch modifier {
            case ":-": return isNonEmpty ? value! : ImageExpression(word).expanded(values)
            case "-": return isSet ? value! : ImageExpression(word).expanded(values)
            case ":+": return isNonEmpty ? ImageExpression(word).expanded(values) : ""
            case "+": return isSet ? ImageExpression(word).expanded(values) : ""
            default: return value ?? ""
            }
        }
    }

    /// The argument whose expansion ends the reference, with the value it expands to: passing that
    /// argument as `value@digest` pins the reference. Nil when the expression ends in literal
    /// text or in a `+` word (whose value is not the argument's).
    func trailingArgument(_ values: [String: String]) -> (argument: String, value: String)? {
        guard case .variable(let name, let modifier, _)? = parts.last, !modifier.hasSuffix("+") else { return nil }
        let value = Self.expand(parts.last!, values)
        return value.isEmpty ? nil : (name, value)
    }
}
