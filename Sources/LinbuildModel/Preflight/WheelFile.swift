/// A distribution file on a package index, read from its name: a wheel
/// (`torch-2.7.1+cu126-cp311-cp311-manylinux_2_28_x86_64.whl`) or a source archive
/// (`flash_attn-2.7.4.post1.tar.gz`).
public struct DistributionFile: Equatable, Sendable {
    public var project: String
    public var version: String
    /// Wheel tags; empty for a source archive.
    public var pythonTags: [String] = []
    public var abiTags: [String] = []
    public var platformTags: [String] = []
    public var isWheel: Bool { !platformTags.isEmpty }

    /// `nil` for names that are neither a wheel nor a source archive of a known shape.
    public init?(filename raw: String) {
        let filename = raw.removingPercentEncoding ?? raw
        if filename.hasSuffix(".whl") {
            let parts = filename.dropLast(4).split(separator: "-", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 5 || parts.count == 6 else { return nil }
            project = parts[0]
            version = parts[1]
            pythonTags = parts[parts.count - 3].split(separator: ".").map(String.init)
            abiTags = parts[parts.count - 2].split(separator: ".").map(String.init)
            platformTags = parts[parts.count - 1].split(separator: ".").map(String.init)
            return
        }
        guard let suffix = [".tar.gz", ".zip", ".tar.bz2"].first(where: filename.hasSuffix) else { return nil }
        let stem = filename.dropLast(suffix.count)
        // The version starts after the last dash that is followed by a digit (names may hold dashes).
        guard
            let dash = stem.indices.last(where: {
                stem[$0] == "-" && stem.index(after: $0) < stem.endIndex && stem[stem.index(after: $0)].isASCIIDigit
            })
        else { return nil }
        project = String(stem[..<dash])
        version = String(stem[stem.index(after: dash)...])
    }

    /// PEP 503 name normalisation: `Flash_Attn` and `flash-attn` are the same project.
    public static func normalise(_ name: String) -> String {
        var out = ""
        var lastWasSeparator = false
        for character in name.lowercased() {
            if character == "-" || character == "_" || character == "." {
                if !lastWasSeparator { out.append("-") }
                lastWasSeparator = true
            } else {
                out.append(character)
                lastWasSeparator = false
            }
        }
        return out
    }

    /// Whether pip/uv on `python` (e.g. `3.11`) and `platform` (`linux/amd64`) could install it.
    /// A source archive fits anything: it is built where it is installed.
    public func fits(python: String, platform: String) -> Bool {
        guard isWheel else { return true }
        let digits = python.split(separator: ".").prefix(2).joined()
        let major = String(python.prefix { $0 != "." })
        let pythonOK = pythonTags.contains {
            ["cp\(digits)", "py\(digits)", "py\(major)", "py2.py3"].contains($0) || ($0.hasPrefix("cp\(major)") && abiTags.contains("abi3"))
        }
        let abiOK = abiTags.contains { ["cp\(digits)", "abi3", "none"].contains($0) }
        let machine = Self.machine(of: platform)
        let platformOK = platformTags.contains { $0 == "any" || ($0.contains("linux") && $0.hasSuffix("_" + machine)) }
        return pythonOK && abiOK && platformOK
    }

    /// The wheel machine name of a Docker platform.
    static func machine(of platform: String) -> String {
        switch platform.split(separator: "/").dropFirst().first.map(String.init) ?? "amd64" {
        case "amd64": "x86_64"
        case "arm64": "aarch64"
        case "ppc64le": "ppc64le"
        case "s390x": "s390x"
        case let other: other
        }
    }
}
