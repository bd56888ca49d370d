/// Where the images live: an optional registry host and a namespace, e.g.
/// `127.0.0.1:5000/frontierkodiak`.
public struct ImageRepository: Equatable, Sendable, Codable {
    public var registry: String?
    public var namespace: String

    public func reference(image: String, tag: String) -> String {
        [registry, namespace, image].compactMap { $0 }.joined(separator: "/") + ":" + tag
    }

    /// The path a registry's HTTP API uses for `image` (without host and tag).
    public func path(image: String) -> String { namespace + "/" + image }
}

/// `NS/linnaeus-base:<arch>-<cudaSuffix>-torch<torchVersion>-fa<v2|v3|none>`.
public struct BaseImageTag: Equatable, Sendable {
    public var repository: ImageRepository
    public var image: String
    public var architecture: Presets.Architecture

    public var tag: String {
        let flashAttention = architecture.flashAttention.map { "v\($0.major)" } ?? "none"
        return "\(architecture.name)-\(architecture.cudaSuffix)-torch\(architecture.torchVersion)-fa\(flashAttention)"
    }

    public var reference: String { repository.reference(image: image, tag: tag) }
}

/// `NS/linnaeus-dev:<sha12>-<arch><-suffix>`: names the exact commit the image contains.
public struct RuntimeImageTag: Equatable, Sendable {
    public var repository: ImageRepository
    public var image: String
    public var commit: CommitID
    public var architecture: String
    public var suffix: String?

    public var tag: String {
        "\(commit.short)-\(architecture)" + (suffix.map { "-\($0)" } ?? "")
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
