/// An ordered list of `--build-arg` pairs: order is kept so commands and digests are stable.
public struct BuildArguments: Equatable, Sendable {
    public var pairs: [(name: String, value: String)]

    public init(_ pairs: [(name: String, value: String)]) { self.pairs = pairs }

    public subscript(name: String) -> String? { pairs.first { $0.name == name }?.value }
    public var names: [String] { pairs.map(\.name) }

    public static func == (lhs: BuildArguments, rhs: BuildArguments) -> Bool {
        lhs.pairs.map(\.name) == rhs.pairs.map(\.name) && lhs.pairs.map(\.value) == rhs.pairs.map(\.value)
    }

    /// The base stage's arguments: the contract with `docker/Dockerfile`.
    public static func base(for architecture: Presets.Architecture, defaults: Presets.Defaults, maxJobs: Int) -> BuildArguments {
        BuildArguments([
            ("NVIDIA_CUDA_TAG", architecture.nvidiaCudaTag ?? defaults.nvidiaCudaTag),
            ("TORCH_CHANNEL", architecture.torchChannel),
            ("TORCH_VER", "\(architecture.torchVersion)+\(architecture.cudaSuffix)"),
            ("TORCH_CUDA_SUFFIX", architecture.cudaSuffix),
            ("FA_VER", architecture.flashAttention?.version ?? ""),
            ("CUDA_ARCH_LIST", architecture.cudaArchList),
            ("MAX_JOBS", String(maxJobs)),
        ])
    }

    /// The runtime stage's arguments.
    public static func runtime(baseImage: String, commit: CommitID) -> BuildArguments {
        BuildArguments([("BASE_IMAGE", baseImage), ("LINNAEUS_REF", commit.sha)])
    }

    /// Arguments that change how fast the base builds but not what it contains.
    public static let notBaseInputs: Set<String> = ["MAX_JOBS"]
}
