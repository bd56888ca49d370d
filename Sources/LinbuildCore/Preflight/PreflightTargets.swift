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
        /// A tag name (`v3.0.0b3`) or a full commit SHA.
        public var ref: String
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

    public static let defaultPyTorchIndex = "https://download.pytorch.org/whl"
    public static let defaultPackageIndex = "https://pypi.org/simple"
    public static let defaultCudaRepository = "nvidia/cuda"
    public static let defaultFlashAttentionGit = "https://github.com/Dao-AILab/flash-attention.git"
    public static let defaultPython = "3.11"

    /// The environment variables that move a location (documented in the README).
    public enum Variable {
        public static let pytorchIndex = "LINBUILD_PYTORCH_INDEX"
        public static let packageIndex = "LINBUILD_PACKAGE_INDEX"
        public static let cudaRepository = "LINBUILD_CUDA_IMAGE"
        public static let osImage = "LINBUILD_OS_IMAGE"
        public static let uvImage = "LINBUILD_UV_IMAGE"
        public static let flashAttentionGit = "LINBUILD_FA3_GIT"
    }

    /// The one place that says where each input comes from: presets for versions, the
    /// Dockerfile for the uv and OS images and the Python version, documented defaults for the
    /// rest, each overridable from `environment`.
    public static func make(presets: Presets, architectures: [Presets.Architecture], dockerfile: Dockerfile,
                            platform: String, environment: [String: String]) -> PreflightTargets {
        func setting(_ name: String, _ fallback: String?) -> String? {
            if let value = environment[name], !value.isEmpty { return value }
            return fallback
        }
        let pytorchRoot = trimmed(setting(Variable.pytorchIndex, defaultPyTorchIndex)!)
        let packageIndex = trimmed(setting(Variable.packageIndex, defaultPackageIndex)!)
        let cudaRepository = setting(Variable.cudaRepository, defaultCudaRepository)!
        let osImage = setting(Variable.osImage, dockerfile.globalArgs.first { $0.name == "RUNTIME_OS_IMAGE" }?.defaultValue)
        let uvImage = setting(Variable.uvImage, dockerfile.stage(named: "uv")?.baseImage)
        let faGit = setting(Variable.flashAttentionGit, defaultFlashAttentionGit)!

        func torchIndex(channel: String, suffix: String) -> String {
            channel == "nightly" ? "\(pytorchRoot)/nightly/\(suffix)" : "\(pytorchRoot)/\(suffix)"
        }
        let result = architectures.map { architecture -> Architecture in
            var images = [Image(role: "CUDA image", reference: "\(cudaRepository):\(architecture.nvidiaCudaTag ?? presets.defaults.nvidiaCudaTag)")]
            if let osImage { images.append(Image(role: "OS image", reference: osImage)) }
            if let uvImage { images.append(Image(role: "uv image", reference: uvImage)) }

            let index = torchIndex(channel: architecture.torchChannel, suffix: architecture.cudaSuffix)
            let otherChannel = architecture.torchChannel == "nightly" ? "stable" : "nightly"
            let alternative = Alternative(label: otherChannel, index: torchIndex(channel: otherChannel, suffix: architecture.cudaSuffix))
            var packages = [Package(project: "torch", versions: ["\(architecture.torchVersion)+\(architecture.cudaSuffix)"], index: index,
                                    needsWheel: true, alternative: alternative)]
            for companion in ["torchvision", "torchaudio"] {
                packages.append(Package(project: companion, versions: [], index: index, needsWheel: true, alternative: nil))
            }
            var gitRefs: [GitRef] = []
            if let fa = architecture.flashAttention {
                if fa.major >= 3 {
                    // The Dockerfile clones the tag v<version> and builds its hopper/ folder.
                    gitRefs.append(GitRef(project: "flash-attention", url: faGit, ref: "v\(fa.version)"))
                } else {
                    packages.append(Package(project: "flash-attn", versions: [fa.version], index: packageIndex, needsWheel: false, alternative: nil))
                }
            }
            return Architecture(name: architecture.name, images: images, packages: packages, gitRefs: gitRefs)
        }
        return PreflightTargets(python: pythonVersion(in: dockerfile) ?? defaultPython, platform: platform, architectures: result)
    }

    private static func trimmed(_ url: String) -> String {
        url.hasSuffix("/") ? String(url.dropLast()) : url
    }

    /// `uv python install 3.11` (or `--python 3.11`) in the Dockerfile.
    static func pythonVersion(in dockerfile: Dockerfile) -> String? {
        for line in dockerfile.lines {
            for marker in ["python install ", "--python "] {
                guard let range = line.range(of: marker) else { continue }
                let version = line[range.upperBound...].prefix { $0.isASCIIDigit || $0 == "." }
                if version.contains(".") { return String(version) }
            }
        }
        return nil
    }
}
