/// Credentials in git URLs (`https://TOKEN@host/…`, `https://user:password@host/…`) never reach an
/// output, a log or an image label: the plan, the labels and the messages carry the URL without
/// them, and only the one command that needs the real URL gets it, at run time.
public enum Redaction {
    /// The user-info part of `scheme://user-info@host/…`, if the URL has one that may be secret.
    /// Over http(s) and git a lone user name is how tokens are passed (`https://TOKEN@host`);
    /// over ssh a user name (`ssh://git@host`) is not a secret, a password is.
    public static func userInfo(of url: String) -> Substring? {
        guard let separator = url.range(of: "://") else { return nil }
        let scheme = url[..<separator.lowerBound].lowercased()
        let authority = url[separator.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard let at = authority.lastIndex(of: "@") else { return nil }
        let info = authority[..<at]
        if scheme.hasPrefix("ssh") || scheme.hasSuffix("+ssh"), !info.contains(":") { return nil }
        return info
    }

    public static func hasCredentials(_ url: String) -> Bool { userInfo(of: url) != nil }

    /// The URL without its credentials (`https://host/repo.git`): what labels and plans show.
    public static func stripped(_ url: String) -> String {
        guard let info = userInfo(of: url) else { return url }
        var result = url
        result.removeSubrange(info.startIndex...info.endIndex)  // and its '@'
        return result
    }

    /// Free text (git's and docker's messages) with the user-info of every URL in it masked.
    public static func scrubbed(_ text: String) -> String {
        guard text.contains("://"), text.contains("@") else { return text }
        var output = ""
        var rest = text[...]
        while let separator = rest.range(of: "://") {
            output += rest[..<separator.upperBound]
            let after = rest[separator.upperBound...]
            let authority = after.prefix { !$0.isWhitespace && !"/?#'\"<>()[]{},;`".contains($0) }
            let schemeStart =
                output.lastIndex { !($0.isLetter || $0.isNumber || "+.-".contains($0)) }.map { output.index(after: $0) }
                ?? output.startIndex
            let scheme = String(output[schemeStart...].dropLast(3))
            if let at = authority.lastIndex(of: "@"), userInfo(of: scheme + "://" + authority) != nil {
                output += "***" + after[at..<authority.endIndex]
            } else {
                output += authority
            }
            rest = after[authority.endIndex...]
        }
        return output + rest
    }
}
