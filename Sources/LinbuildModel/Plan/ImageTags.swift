import LinbuildSupport

/// Where the images live: an optional registry host and a namespace, e.g.
/// `127.0.0.1:5000/frontierkodiak`.
public struct ImageRepository: Equatable, Sendable, Codable {
    public var registry: String?
    public var namespace: String

    public func reference(image: String, tag: String) -> String {
        [registry, namespace, image].compactMap { $0 }.joined(separator: "/") + ":" + tag
    }
}

/// `NS/linnaeus-base:<arch>-<cudaSuffix>-torch<torchVersion>-fa<v2|v3|none>[-<platform>]`: the
/// readable tag, which names what a base is for (`fa` names the highest major an architecture gets:
/// FA 2 and FA 3 make `fav3`; the `FA_VER` label lists them all). Its immutable sibling,
/// `<readable>-in<first 12 hex of the inputs digest>`, names what it is made of, so two bases with
/// different inputs never share a tag.
public struct BaseImageTag: Equatable, Sendable {
    public var repository: ImageRepository
    public var image: String
    public var architecture: Presets.Architecture
    /// The build platform; any but `linux/amd64` adds a part to the tag (`ImagePlatform.tagPart`).
    public var platform: String? = nil

    public var tag: String {
        let flashAttention = architecture.highestFlashAttention.map { "v\($0.major)" } ?? "none"
        let readable = "\(architecture.name)-\(architecture.cudaSuffix)-torch\(architecture.torchVersion)-fa\(flashAttention)"
        return readable + (platform.flatMap(ImagePlatform.tagPart).map { "-" + $0 } ?? "")
    }

    public var reference: String { repository.reference(image: image, tag: tag) }

    /// The tag that carries the inputs digest; the readable part is shortened if the whole would
    /// pass the grammar's 128 characters.
    public func immutableTag(inputs: BaseInputs) -> String {
        let suffix = "-in" + inputs.shortDigest
        return String(tag.prefix(TagGrammar.maximumLength - suffix.count)) + suffix
    }

    public func immutableReference(inputs: BaseInputs) -> String {
        repository.reference(image: image, tag: immutableTag(inputs: inputs))
    }
}

/// Platforms in tags: `linux/amd64`, the default of the presets and of most machines, adds
/// nothing; any other adds its architecture and variant (`linux/arm64` → `arm64`,
/// `linux/arm/v7` → `armv7`) and, for another OS, the OS first (`windows-amd64`).
public enum ImagePlatform {
    public static func tagPart(_ platform: String) -> String? {
        let fields = platform.lowercased().split(separator: "/").map(String.init)
        guard fields.count >= 2, fields != ["linux", "amd64"] else { return nil }
        let part = (fields[0] == "linux" ? "" : fields[0] + "-") + fields.dropFirst().joined()
        let cleaned = String(part.unicodeScalars.filter(TagGrammar.isTagScalar).map(Character.init))
        return cleaned.isEmpty ? nil : cleaned
    }

    /// Whether an image's `os`, `architecture` and `variant` are the platform asked for (a variant
    /// is compared only when the platform names one).
    public static func matches(_ platform: String, os: String, architecture: String, variant: String?) -> Bool {
        let fields = platform.lowercased().split(separator: "/").map(String.init)
        guard fields.count >= 2, fields[0] == os.lowercased(), fields[1] == architecture.lowercased() else { return false }
        return fields.count < 3 || fields[2] == (variant ?? "").lowercased()
    }
}

/// `NS/linnaeus-dev:<sha12>-<arch><-suffix>`: names the exact commit the image contains.
public struct RuntimeImageTag: Equatable, Sendable {
    public var repository: ImageRepository
    public var image: String
    public var commit: CommitID
    public var architecture: String
    public var suffix: String?
    /// As for the base: any platform but `linux/amd64` adds its part after the architecture.
    public var platform: String? = nil

    public var tag: String {
        "\(commit.short)-\(architecture)" + (platform.flatMap(ImagePlatform.tagPart).map { "-" + $0 } ?? "")
            + (suffix.map { "-\($0)" } ?? "")
    }

    public var reference: String { repository.reference(image: image, tag: tag) }
}

/// A full 40-hex git commit SHA.
public struct CommitID: Equatable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let sha: String

    public init?(_ text: String) {
        let lower = text.lowercased()
        guard lower.utf8.count == 40, lower.unicodeScalars.allSatisfy(\.properties.isASCIIHexDigit) else { return nil }
        sha = lower
    }

    /// The 12 hex digits the runtime tag carries.
    public var short: String { String(sha.prefix(12)) }
    public var description: String { sha }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = CommitID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a commit SHA"))
        }
        self = id
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(sha)
    }
}
