/// The upstream inputs a base build will fetch, per architecture: what preflight asks about.
/// Made by one function (`make`) from presets and the Dockerfile, so where each location comes
/// from can change in one place; every location can be pointed elsewhere with a `LINBUILD_*`
/// variable (a mirror, or a loopback stand-in in tests).
public struct PreflightTargets: Equatable, Sendable {
    public struct Image: Equatable, Sendable {
        /// `CUDA image`, `OS image`, `uv image`.
        public var role: String
        public var reference: String
    }

    public struct Package: Equatable, Sendable {
        public var project: String
        /// Exact versions that must be there; empty: any version for the platform will do.
        public var versions: [String]
        public var index: String
        /// Only a wheel for the Dockerfile's Python and platform will do (torch); a source
        /// archive is enough for a package compiled in the build (flash-attn).
        public var needsWheel: Bool
        /// Another index to name versions from when this one lacks the version (the other
        /// PyTorch channel): `(label, URL)`.
        public var alternative: Alternative?
    }

    public struct Alternative: Equatable, Sendable {
        public var label: String
        public var index: String
    }

    public struct GitRef: Equatable, Sendable {
        public var project: String
        public var url: String
        /// The pinned commit (40 hex digits) the Dockerfile checks out.
        public var commit: String
    }

    public struct Architecture: Equatable, Sendable {
        public var name: String
        public var images: [Image]
        public var packages: [Package]
        public var gitRefs: [GitRef]
    }

    /// The Python the Dockerfile installs (`3.11`) and the build platform: which wheels count.
    public var python: String
    public var platform: String
    public var architectures: [Architecture]

    /// Used only when neither presets' `locations` nor the Dockerfile's ARG default names one.
    public static let defaultPyTorchIndex = "https://download.pytorch.org/whl"
    public static let defaultPackageIndex = "https://pypi.org/simple"
    public static let defaultCudaRepository = "nvidia/cuda"
    public static let defaultFlashAttentionGit = "https://github.com/Dao-AILab/flash-attention.git"
    public static let defaultPython = "3.11"

    /// The one place that says where each input comes from, read as the build will read it.
    /// `locations` are the run's (presets `defaults.locations` with the `LINBUILD_*` overrides
    /// applied, as the plan passes them); a location they leave out is the Dockerfile's ARG
    /// default, as in the build. Versions come from presets: torch, torchvision and torchaudio
    /// with the index's local `+<suffix>` label, FA 2 on the package index, FA 3 at its pinned
    /// commit of `FA3_GIT`. The Python is the Dockerfile's `PYTHON_VERSION` default (linbuild
    /// never passes it; both `PYTHON_SOURCE` ways install that version).
    public static func make(
        presets: Presets, architectures: [Presets.Architecture], dockerfile: Dockerfile,
        platform: String, locations: UpstreamLocations
    ) -> PreflightTargets {
        /// What the build gets for `name`: the passed location, else the Dockerfile's default.
        func argument(_ name: String) -> String? {
            if let value = locations.values[name], !value.isEmpty { return value }
            return defaultValue(of: name, in: dockerfile)
        }
        let pytorchRoot = trimmed(argument("TORCH_INDEX") ?? defaultPyTorchIndex)
        let packageIndex = trimmed(argument("PYPI_INDEX") ?? defaultPackageIndex)
        let cudaRepository = argument("CUDA_IMAGE") ?? defaultCudaRepository
        // The OS and uv images are `${OS_IMAGE}:${OS_TAG}` and `${UV_IMAGE}:${UV_VERSION}`; a
        // Dockerfile that declares neither has its own FROM lines, which preflight does not guess.
        let osImage = argument("OS_IMAGE").flatMap { repository in argument("OS_TAG").map { "\(repository):\($0)" } }
        let uvImage = argument("UV_IMAGE").flatMap { repository in argument("UV_VERSION").map { "\(repository):\($0)" } }
        let faGit = argument("FA3_GIT") ?? defaultFlashAttentionGit

        func torchIndex(channel: String, suffix: String) -> String {
            channel == "nightly" ? "\(pytorchRoot)/nightly/\(suffix)" : "\(pytorchRoot)/\(suffix)"
        }
        let result = architectures.map { architecture -> Architecture in
            var images = [
                Image(role: "CUDA image", reference: "\(cudaRepository):\(architecture.nvidiaCudaTag ?? presets.defaults.nvidiaCudaTag)")
            ]
            if let osImage { images.append(Image(role: "OS image", reference: osImage)) }
            if let uvImage { images.append(Image(role: "uv image", reference: uvImage)) }

            let suffix = architecture.cudaSuffix
            let index = torchIndex(channel: architecture.torchChannel, suffix: suffix)
            let otherChannel = architecture.torchChannel == "nightly" ? "stable" : "nightly"
            let alternative = Alternative(label: otherChannel, index: torchIndex(channel: otherChannel, suffix: suffix))
            // The PyTorch index serves all three with the CUDA suffix as local label; the
            // Dockerfile asks for torchvision==X and torchaudio==Y, which those wheels satisfy.
            var packages = [
                Package(
                    project: "torch", versions: ["\(architecture.torchVersion)+\(suffix)"], index: index,
                    needsWheel: true, alternative: alternative)
            ]
            for (companion, version) in [("torchvision", architecture.torchvisionVersion), ("torchaudio", architecture.torchaudioVersion)] {
                packages.append(
                    Package(
                        project: companion, versions: ["\(version)+\(suffix)"], index: index, needsWheel: true, alternative: alternative))
            }
            var gitRefs: [GitRef] = []
            for fa in architecture.flashAttention {
                if let commit = fa.commit {
                    // The Dockerfile clones FA3_GIT and checks out FA_COMMIT (presets require it for major 3).
                    gitRefs.append(GitRef(project: "flash-attention", url: faGit, commit: commit))
                } else {
                    packages.append(
                        Package(project: "flash-attn", versions: [fa.version], index: packageIndex, needsWheel: false, alternative: nil))
                }
            }
            return Architecture(name: architecture.name, images: images, packages: packages, gitRefs: gitRefs)
        }
        return PreflightTargets(
            python: defaultValue(of: "PYTHON_VERSION", in: dockerfile) ?? defaultPython, platform: platform,
            architectures: result)
    }

    private static func trimmed(_ url: String) -> String {
        url.hasSuffix("/") ? String(url.dropLast()) : url
    }

    /// The first non-empty default of `ARG name` in the Dockerfile (global, then stages in order).
    static func defaultValue(of name: String, in dockerfile: Dockerfile) -> String? {
        (dockerfile.globalArgs + dockerfile.stages.flatMap(\.args)).first { $0.name == name && !($0.defaultValue ?? "").isEmpty }?
            .defaultValue
    }
}
