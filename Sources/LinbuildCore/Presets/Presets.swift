/// The architecture matrix and the defaults, as read from `presets.json`. No architecture is
/// named in Swift code: everything arch-specific comes from here.
public struct Presets: Equatable, Sendable {
    public struct Defaults: Equatable, Sendable {
        public var namespace: String
        public var baseImage: String
        public var runtimeImage: String
        public var arch: String
        public var branch: String
        public var maxJobs: Int
        public var dockerfile: String
        public var platform: String
        public var source: String
        public var nvidiaCudaTag: String
    }

    public struct FlashAttention: Equatable, Sendable {
        public var version: String
        /// The major version that names the base tag (`fav2`, `fav3`).
        public var major: Int
    }

    public struct Architecture: Equatable, Sendable {
        public var name: String
        public var gpus: String
        public var torchVersion: String
        public var torchChannel: String
        public var cudaSuffix: String
        public var cudaArchList: String
        /// `nil` when the architecture does not get Flash Attention (turing).
        public var flashAttention: FlashAttention?
        /// Overrides the default NVIDIA image tag for this architecture.
        public var nvidiaCudaTag: String?
    }

    public var defaults: Defaults
    /// In file order, which is the order of `--arch all` and of `--help`.
    public var architectures: [Architecture]
    /// What `linbuild validate` checks inside an image (empty when the file has none).
    public var validation: [ValidationCheck] = []
    /// Peak memory of one Flash Attention compile job, in GiB, per FA major (`--max-jobs auto`).
    public var jobMemoryGiB: [Int: Int] = [:]

    public var architectureNames: [String] { architectures.map(\.name) }

    public func architecture(named name: String) -> Architecture? {
        architectures.first { $0.name == name }
    }

    /// The channels the Dockerfile knows how to install from.
    public static let torchChannels = ["stable", "nightly"]
}
