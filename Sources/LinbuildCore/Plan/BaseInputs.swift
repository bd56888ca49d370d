/// What the base image is made of, recorded on it as labels so a later run can tell whether an
/// existing base is still right and, if not, which input changed.
public struct BaseInputs: Equatable, Sendable, Codable {
    public static let digestLabel = "dev.linbuild.base.inputs"
    public static let dockerfileLabel = "dev.linbuild.base.dockerfile"
    public static let argumentLabelPrefix = "dev.linbuild.base.arg."

    /// The base build arguments that shape the image (not `MAX_JOBS`).
    public var arguments: [String: String]
    /// SHA-256 of the Dockerfile text the base target depends on.
    public var dockerfileDigest: String
    /// SHA-256 over both: the one value compared first.
    public var digest: String

    public init(arguments: BuildArguments, baseStageText: String) {
        var shaping: [String: String] = [:]
        for pair in arguments.pairs where !BuildArguments.notBaseInputs.contains(pair.name) { shaping[pair.name] = pair.value }
        self.arguments = shaping
        dockerfileDigest = SHA256.hex(baseStageText)
        let canonical = shaping.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)\n" }.joined() + "dockerfile=\(dockerfileDigest)\n"
        digest = SHA256.hex(canonical)
    }

    public var labels: [String: String] {
        var labels = [Self.digestLabel: digest, Self.dockerfileLabel: dockerfileDigest]
        for (name, value) in arguments { labels[Self.argumentLabelPrefix + name] = value }
        return labels
    }

    /// What differs from an existing image's labels, in words a user reads: `CUDA_ARCH_LIST`,
    /// `the Dockerfile's base stage`. Empty when the image matches.
    public func changes(comparedTo labels: [String: String]) -> [String] {
        guard labels[Self.digestLabel] != digest else { return [] }
        guard labels[Self.digestLabel] != nil else { return ["no recorded inputs (not built by linbuild)"] }
        var changed = arguments.keys.sorted().filter { labels[Self.argumentLabelPrefix + $0] != arguments[$0] }
        if labels[Self.dockerfileLabel] != dockerfileDigest { changed.append("the Dockerfile's base stage") }
        return changed.isEmpty ? ["recorded inputs"] : changed
    }
}
