/// The grammars of the names that end up in tags and commands, checked without regular
/// expressions so the rules stay readable and cheap.
public enum TagGrammar {
    public static let maximumLength = 128

    /// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`: the OCI/Docker tag grammar.
    public static func isValidTag(_ tag: String) -> Bool {
        guard let first = tag.unicodeScalars.first, tag.unicodeScalars.count <= maximumLength else { return false }
        return (isAlphanumeric(first) || first == "_") && tag.unicodeScalars.allSatisfy(isTagScalar)
    }

    /// A piece of a tag that is not at its start: any tag characters.
    public static func isValidTagFragment(_ fragment: String) -> Bool {
        !fragment.isEmpty && fragment.unicodeScalars.count <= maximumLength && fragment.unicodeScalars.allSatisfy(isTagScalar)
    }

    public static func isTagScalar(_ scalar: Unicode.Scalar) -> Bool {
        isAlphanumeric(scalar) || scalar == "_" || scalar == "." || scalar == "-"
    }

    public static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }
}

public enum ImageName {
    /// One path component of a repository name: `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`.
    public static func isValidRepositoryComponent(_ component: String) -> Bool {
        let scalars = Array(component.unicodeScalars)
        guard let first = scalars.first, let last = scalars.last, isLowerAlphanumeric(first), isLowerAlphanumeric(last) else {
            return false
        }
        var index = 0
        while index < scalars.count {
            if isLowerAlphanumeric(scalars[index]) { index += 1; continue }
            var separator = ""
            while index < scalars.count, !isLowerAlphanumeric(scalars[index]) {
                separator.unicodeScalars.append(scalars[index])
                index += 1
            }
            let dashes = !separator.isEmpty && separator.allSatisfy { $0 == "-" }
            guard separator == "." || separator == "_" || separator == "__" || dashes else { return false }
        }
        return component.unicodeScalars.count <= 255
    }

    /// A namespace is one or more components joined by `/` (`frontierkodiak`, `team/ml`).
    public static func isValidNamespace(_ namespace: String) -> Bool {
        let components = namespace.split(separator: "/", omittingEmptySubsequences: false)
        return !components.isEmpty && components.allSatisfy { isValidRepositoryComponent(String($0)) }
    }

    private static func isLowerAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
    }
}

public enum RegistryHost {
    /// `host`, `host:port`, `[v6]:port`: what Docker accepts before the first `/` of a reference.
    public static func isValid(_ value: String) -> Bool {
        var host = Substring(value)
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            let rest = host[host.index(after: close)...]
            let inner = host[host.index(after: host.startIndex)..<close]
            guard !inner.isEmpty, inner.unicodeScalars.allSatisfy({ $0.properties.isASCIIHexDigit || $0 == ":" }) else { return false }
            return rest.isEmpty || isValidPort(rest.dropFirst()) && rest.first == ":"
        }
        if let colon = host.lastIndex(of: ":") {
            guard isValidPort(host[host.index(after: colon)...]) else { return false }
            host = host[..<colon]
        }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        return !host.isEmpty && host.count <= 253
            && labels.allSatisfy { label in
                !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                    && label.unicodeScalars.allSatisfy { TagGrammar.isAlphanumeric($0) || $0 == "-" }
            }
    }

    /// Docker takes the first component of a reference as a registry host only when it has a `.`
    /// or a `:` or is `localhost`; anything else is a Docker Hub namespace.
    public static func isReadAsHost(_ value: String) -> Bool {
        value.contains(".") || value.contains(":") || value == "localhost"
    }

    private static func isValidPort(_ text: Substring) -> Bool {
        guard !text.isEmpty, text.count <= 5, text.allSatisfy(\.isASCIIDigit), let port = Int(text) else { return false }
        return (1...65535).contains(port)
    }
}

public enum ArchitectureName {
    public static let maximumLength = 32

    /// Architecture names appear in tags and in `--arch` lists, and `all` means every one.
    public static func isValid(_ name: String) -> Bool {
        name != "all" && ImageName.isValidRepositoryComponent(name) && name.count <= maximumLength
    }
}

public enum Platform {
    /// `os/arch` or `os/arch/variant`, lowercase.
    public static func isValid(_ platform: String) -> Bool {
        let parts = platform.split(separator: "/", omittingEmptySubsequences: false)
        return (2...3).contains(parts.count)
            && parts.allSatisfy { part in
                !part.isEmpty && part.count <= 32
                    && part.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
            }
    }
}

public enum CudaArchList {
    /// `8.0;8.6`, `9.0`, `9.0a`, `8.6+PTX`.
    public static func isValid(_ list: String) -> Bool {
        let entries = list.split(separator: ";", omittingEmptySubsequences: false)
        return entries.allSatisfy { entry in
            var body = Substring(entry)
            if body.hasSuffix("+PTX") { body = body.dropLast(4) }
            let numbers = body.split(separator: ".", omittingEmptySubsequences: false)
            guard numbers.count == 2, let major = numbers.first, !major.isEmpty, major.allSatisfy(\.isASCIIDigit) else { return false }
            var minor = numbers[1]
            if minor.last == "a" { minor = minor.dropLast() }
            return !minor.isEmpty && minor.allSatisfy(\.isASCIIDigit)
        }
    }
}

public enum PipVersion {
    /// Letters, digits and `.+!-_`: enough for PEP 440 versions, nothing a shell or pip would
    /// read as syntax.
    public static func isValid(_ version: String) -> Bool {
        guard let first = version.unicodeScalars.first, ("0"..."9").contains(first) else { return false }
        return version.count <= 64
            && version.unicodeScalars.allSatisfy {
                TagGrammar.isAlphanumeric($0) || $0 == "." || $0 == "+" || $0 == "!" || $0 == "-" || $0 == "_"
            }
    }
}

extension Character {
    public var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
