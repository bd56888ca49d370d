/// What `--branch` may hold before git is asked: git's own ref-name rules (`git check-ref-format`),
/// plus no leading dash, so a value can never be read as a git option (`--upload-pack=…`).
/// Shell characters such as `$`, `'` and `;` are legal in ref names and are never interpreted:
/// commands run as argument vectors.
enum GitRefName {
    static func problem(with ref: String) -> String? {
        if ref.hasPrefix("-") { return "cannot start with '-' (it would be read as an option)" }
        if ref.utf8.count > 255 { return "is longer than 255 bytes" }
        if ref.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || $0 == " " }) {
            return "contains a space or control character, which no git ref can"
        }
        for forbidden in ["~", "^", ":", "?", "*", "[", "\\", "..", "@{", "//"] where ref.contains(forbidden) {
            return "contains '\(forbidden)', which no git ref can"
        }
        if ref.hasSuffix("/") || ref.hasSuffix(".") || ref.hasSuffix(".lock") || ref.hasPrefix("/") || ref == "@" {
            return "is not a valid git ref name"
        }
        if ref.split(separator: "/").contains(where: { $0.hasPrefix(".") }) {
            return "has a component starting with '.', which no git ref can"
        }
        return nil
    }
}

/// `--source`: a local path or a git URL.
public enum SourceLocation: Equatable, Sendable {
    case path(String)
    case url(String)

    /// Git's own rule (`url_is_local_not_ssh`): a `:` before any `/` makes a URL (`scheme://…`,
    /// `host:path`, `user@host:path`, and `transport::address` such as `ext::…`); else a path.
    public init(_ text: String) {
        let colon = text.firstIndex(of: ":"), slash = text.firstIndex(of: "/")
        let isURL = colon.map { colon in slash.map { colon < $0 } ?? true } ?? false
        self = isURL ? .url(text) : .path(text)
    }

    public var text: String {
        switch self {
        case .path(let path): path
        case .url(let url): url
        }
    }

    static func problem(with text: String) -> String? {
        if text.hasPrefix("-") { return "cannot start with '-' (it would be read as an option)" }
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { return "contains a control character" }
        if case .url(let url) = SourceLocation(text), url.lowercased().hasPrefix("ext::") || url.lowercased().hasPrefix("fd::") {
            return "uses a git transport linbuild does not allow"
        }
        return nil
    }
}
