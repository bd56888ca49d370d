import LinbuildSupport

/// What the base image is made of, recorded on it as labels so a later run can tell whether an
/// existing base is still right and, if not, which input changed.
///
/// Form 2 (this one) hashes the platform, the base build arguments the base's stages declare other
/// than those in `BuildArguments.notBaseInputs` (of a location that also makes a choice, `PYTHON_SOURCE`,
/// the choice: `UpstreamLocations.choice(of:value:)`), and the Dockerfile's normal form for the base target
/// (`Dockerfile.normalForm`). Form 1 (images without the form label) hashed the arguments and the
/// raw text of the base stages; its digest is still computed, so a base recorded with it and
/// otherwise unchanged is not rebuilt after an upgrade.
///
/// The same value keys the Flash Attention wheels artifact (`scope` `fa`, the stage `fa-wheels`):
/// an image found by a digest of exactly its inputs, recorded under `dev.linbuild.fa.*`. A base made
/// from such an artifact counts the artifact's digest among its own inputs (`artifacts`).
public struct BaseInputs: Equatable, Sendable, Codable {
    public static let form = 2
    public static let formLabel = "dev.linbuild.base.form"
    public static let digestLabel = "dev.linbuild.base.inputs"
    public static let dockerfileLabel = "dev.linbuild.base.dockerfile"
    public static let platformLabel = "dev.linbuild.base.platform"
    public static let argumentLabelPrefix = "dev.linbuild.base.arg."
    /// `dev.linbuild.base.pin.image.base`, `dev.linbuild.base.pin.wheel.torch`: what a lock pinned.
    public static let pinLabelPrefix = "dev.linbuild.base.pin."
    /// `dev.linbuild.base.artifact.fa`: the inputs digest of an artifact the image is made from.
    public static let artifactLabelPrefix = "dev.linbuild.base.artifact."
    /// On a base: the immutable reference of the Flash Attention wheels it was made from (what
    /// `linbuild prune` keeps while it keeps the base). Not an input: the digest is (`artifacts`).
    public static let flashAttentionImageLabel = "dev.linbuild.fa.image"
    /// The scope of the Flash Attention wheels artifact's inputs.
    public static let flashAttentionScope = "fa"
    /// On a base: the inputs digest of the Flash Attention wheels it was made from.
    public static let flashAttentionArtifactLabel = artifactLabelPrefix + flashAttentionScope

    /// `base` (this image is a base) or `fa` (the Flash Attention wheels): the labels' namespace.
    public var scope = "base"

    /// The base build arguments that shape the image (not `MAX_JOBS`, not mirrors; `PYTHON_SOURCE`
    /// as `os` or `standalone`).
    public var arguments: [String: String]
    /// `linux/amd64`, `linux/arm64`: an arm64 base is not an amd64 base.
    public var platform: String
    /// SHA-256 of the Dockerfile's normal form for the base target.
    public var dockerfileDigest: String
    /// What the lock pins (`LockPins.inputs`): the upstream digests and wheel hashes. Empty
    /// without a lock, and then the digest is exactly what it was before locks existed.
    public var pins: [String: String] = [:]
    /// The inputs digests of the artifacts the image is made from (`fa` → the wheels' digest). Empty:
    /// none, and the digest is exactly what it was before artifacts existed.
    public var artifacts: [String: String] = [:]
    /// SHA-256 over all of it: the one value compared first, and the one the immutable tag carries.
    public var digest: String
    /// What form 1 recorded for the same base: its whole digest and its Dockerfile digest.
    public var legacyDigest: String
    public var legacyDockerfileDigest: String

    /// `arguments` are the base build's; the ones that shape the image are those the base's
    /// stages declare (`declared`: BuildKit drops any other `--build-arg`) and that are not in
    /// `BuildArguments.notBaseInputs` (speed and locations).
    public init(
        arguments: BuildArguments, declared: Set<String>, platform: String, normalForm: String, legacyText: String,
        pins: [String: String] = [:], artifacts: [String: String] = [:], scope: String = "base"
    ) {
        self.scope = scope
        var shaping: [String: String] = [:]
        for pair in arguments.pairs where declared.contains(pair.name) {
            if let choice = UpstreamLocations.choice(of: pair.name, value: pair.value) {
                shaping[pair.name] = choice
            } else if !BuildArguments.notBaseInputs.contains(pair.name) {
                shaping[pair.name] = pair.value
            }
        }
        self.arguments = shaping
        self.platform = platform
        dockerfileDigest = SHA256.hex(normalForm)
        let argumentLines = shaping.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)\n" }.joined()
        self.pins = pins
        let pinLines = pins.sorted { $0.key < $1.key }.map { "pin.\($0.key)=\($0.value)\n" }.joined()
        self.artifacts = artifacts
        let artifactLines = artifacts.sorted { $0.key < $1.key }.map { "artifact.\($0.key)=\($0.value)\n" }.joined()
        // The scope is hashed only when it is not the base's, so a base's digest is what it was.
        let scopeLine = scope == "base" ? "" : "scope=\(scope)\n"
        digest = SHA256.hex(
            scopeLine + "form=\(Self.form)\nplatform=\(platform)\n" + argumentLines + "dockerfile=\(dockerfileDigest)\n" + pinLines
                + artifactLines)
        legacyDockerfileDigest = SHA256.hex(legacyText)
        legacyDigest = SHA256.hex(argumentLines + "dockerfile=\(legacyDockerfileDigest)\n")
    }

    /// The first 12 hex digits of the digest: what the immutable base tag carries.
    public var shortDigest: String { String(digest.prefix(12)) }

    /// `dev.linbuild.<scope>.<name>`: the label names of this scope (the static ones are the base's).
    public func label(_ name: String) -> String { "dev.linbuild.\(scope).\(name)" }
    public var digestLabelName: String { label("inputs") }
    /// The Flash Attention wheels' `digestLabelName`, for wheels a run knows only by name.
    public static let flashAttentionDigestLabel = "dev.linbuild.\(flashAttentionScope).inputs"
    public static let flashAttentionFormLabel = "dev.linbuild.\(flashAttentionScope).form"
    public var formLabelName: String { label("form") }

    public var labels: [String: String] {
        var labels = [
            label("inputs"): digest, label("dockerfile"): dockerfileDigest, label("form"): String(Self.form),
            label("platform"): platform,
        ]
        for (name, value) in arguments { labels[label("arg.") + name] = value }
        for (key, value) in pins { labels[label("pin.") + key] = value }
        for (key, value) in artifacts { labels[label("artifact.") + key] = value }
        return labels
    }

    /// What differs from an existing image's labels, in words a user reads: `CUDA_ARCH_LIST`,
    /// `the Dockerfile's base stage`, `the platform`. Empty when the image matches.
    public func changes(comparedTo labels: [String: String]) -> [String] {
        guard let recorded = labels[label("inputs")] else { return ["no recorded inputs (not built by linbuild)"] }
        let dockerfile: String
        switch labels[label("form")] {
        case String(Self.form)?:
            guard recorded != digest else { return [] }
            dockerfile = dockerfileDigest
        case nil where scope == "base":
            // Form 1 did not record the platform; the lookup checks the image's own platform.
            guard recorded != legacyDigest else { return [] }
            dockerfile = legacyDockerfileDigest
        case let other:
            return ["recorded inputs (form \(other ?? "none"); this linbuild writes form \(Self.form))"]
        }
        var changed = arguments.keys.sorted().filter { labels[label("arg.") + $0] != arguments[$0] }
        if let recordedPlatform = labels[label("platform")], recordedPlatform != platform { changed.append("the platform") }
        if labels[label("dockerfile")] != dockerfile {
            changed.append(scope == "base" ? "the Dockerfile's base stage" : "the Dockerfile's \(scope) stages")
        }
        let pinPrefix = label("pin.")
        let recordedPins = Set(labels.keys.filter { $0.hasPrefix(pinPrefix) }.map { String($0.dropFirst(pinPrefix.count)) })
        for key in recordedPins.union(pins.keys).sorted() where labels[pinPrefix + key] != pins[key] {
            changed.append(pins[key] == nil ? "the lock (no pin for \(key) now)" : "the locked \(key)")
        }
        let artifactPrefix = label("artifact.")
        let recordedArtifacts = Set(labels.keys.filter { $0.hasPrefix(artifactPrefix) }.map { String($0.dropFirst(artifactPrefix.count)) })
        for key in recordedArtifacts.union(artifacts.keys).sorted() where labels[artifactPrefix + key] != artifacts[key] {
            changed.append(key == Self.flashAttentionScope ? "Flash Attention's inputs" : "the \(key) artifact's inputs")
        }
        return changed.isEmpty ? ["recorded inputs"] : changed
    }
}

extension BaseInputs {
    /// What differs in a copy with `labels` built for `platform` (`os/architecture[/variant]`);
    /// another platform is all there is to say about it. Empty when the copy has these inputs.
    public func changes(comparedTo labels: [String: String], platform: String) -> [String] {
        ImagePlatform.matches(self.platform, found: platform) ? changes(comparedTo: labels) : ["the platform (\(platform))"]
    }
}
