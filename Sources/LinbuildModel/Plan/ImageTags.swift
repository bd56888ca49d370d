import LinbuildSupport

/// Where the images live: an optional registry host and a namespace, e.g.
/// `127.0.0.1:5000/frontierkodiak`.
public struct ImageRepository: Equatable, Sendable, Codable {
    public var registry: String?
    public var namespace: String

    public init(registry: String?, namespace: String) {
        self.registry = registry
        self.namespace = namespace
    }

    /// `[registry/]namespace/image`: the repository, without a tag.
    public func name(image: String) -> String {
        [registry, namespace, image].compactMap { $0 }.joined(separator: "/")
    }

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

    public init(repository: ImageRepository, image: String, architecture: Presets.Architecture, platform: String? = nil) {
        self.repository = repository
        self.image = image
        self.architecture = architecture
        self.platform = platform
    }

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

/// `NS/linnaeus-fa:<arch>-<cudaSuffix>-torch<torchVersion>-fa<versions>[-<platform>]-in<12 hex>`: the
/// Flash Attention wheels artifact. Only the immutable form exists: the inputs digest is the name,
/// and nothing else ever points at the wheels. The image is the base's with `-fa` for `-base`.
public struct FlashAttentionImageTag: Equatable, Sendable {
    public var repository: ImageRepository
    public var baseImage: String
    public var architecture: Presets.Architecture
    public var platform: String? = nil

    public init(repository: ImageRepository, baseImage: String, architecture: Presets.Architecture, platform: String? = nil) {
        self.repository = repository
        self.baseImage = baseImage
        self.architecture = architecture
        self.platform = platform
    }

    /// `linnaeus-base` → `linnaeus-fa`; another name gets `-fa` appended.
    public var image: String { Self.imageName(baseImage) }

    public static func imageName(_ baseImage: String) -> String {
        baseImage.hasSuffix("-base") ? String(baseImage.dropLast("-base".count)) + "-fa" : baseImage + "-fa"
    }

    public func tag(inputs: BaseInputs) -> String {
        let versions = architecture.flashAttention.map(\.version).joined(separator: "_")
        let readable =
            "\(architecture.name)-\(architecture.cudaSuffix)-torch\(architecture.torchVersion)-fa\(versions)"
            + (platform.flatMap(ImagePlatform.tagPart).map { "-" + $0 } ?? "")
        let suffix = "-in" + inputs.shortDigest
        return String(readable.prefix(TagGrammar.maximumLength - suffix.count)) + suffix
    }

    public func reference(inputs: BaseInputs) -> String { repository.reference(image: image, tag: tag(inputs: inputs)) }
}
