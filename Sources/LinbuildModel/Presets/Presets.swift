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
        /// Parallel threads of each nvcc (Flash Attention): speed, not content, so not a base input.
        /// `nil`: the Dockerfile's default.
        public var nvccThreads: Int?
        /// The distribution packages the images need (a base input), e.g. opencv's libraries.
        public var osPackages: [String] = []
        /// The application's optional extras the runtime installs (`dev`).
        public var extras: [String] = []
        /// Where bytes come from (not a base input, except `PYTHON_SOURCE`'s choice: os or standalone).
        public var locations = UpstreamLocations(values: [:])
    }

    /// One Flash Attention an architecture gets. Each major is its own API (FA 2: package
    /// `flash_attn`; FA 3: module `flash_attn_interface`), so an architecture may get several.
    public struct FlashAttention: Equatable, Sendable {
        public var version: String
        /// The major version: the leading number of `version`; the highest an architecture gets
        /// names the base tag (`fav2`, `fav3`).
        public var major: Int
        /// A commit of the Flash Attention git source to build from (FA 3 is not published as a
        /// package); `nil`: the published package of `version`.
        public var commit: String?
        /// FA 3's own trimming switches, each upstream's `FLASH_ATTENTION_DISABLE_<NAME>=TRUE` in
        /// hopper/setup.py (`BACKWARD`, `HDIM64`, `FP8` ...): less to compile, fewer kernels in the
        /// wheel. Empty (the default): upstream's full build.
        public var disable: [String] = []

        /// What hopper/setup.py reads (Dao-AILab/flash-attention, docs/upstream.md); `SM80` is
        /// not here: the arch list decides it.
        public static let fa3Switches = [
            "BACKWARD", "SPLIT", "PAGEDKV", "APPENDKV", "LOCAL", "SOFTCAP", "PACKGQA", "FP16", "FP8", "VARLEN", "CLUSTER",
            "HDIM64", "HDIM96", "HDIM128", "HDIM192", "HDIM256",
        ]
    }

    public struct Architecture: Equatable, Sendable {
        public var name: String
        public var gpus: String
        public var torchVersion: String
        /// The torchvision and torchaudio releases paired with `torchVersion` (exact versions).
        public var torchvisionVersion: String
        public var torchaudioVersion: String
        public var torchChannel: String
        public var cudaSuffix: String
        public var cudaArchList: String
        /// The Flash Attention versions the architecture gets, one per major, ascending by major;
        /// empty when it gets none (turing).
        public var flashAttention: [FlashAttention]
        /// Overrides the default NVIDIA image tag for this architecture.
        public var nvidiaCudaTag: String?

        /// The highest major it gets: what the base tag names (`fav3` for an architecture with
        /// FA 2 and FA 3), since the contract's tag has one `fa<v2|v3|none>` part.
        public var highestFlashAttention: FlashAttention? { flashAttention.last }
    }

    public var defaults: Defaults
    /// In file order, which is the order of `--arch all` and of `--help`.
    public var architectures: [Architecture]
    /// What `linbuild validate` checks inside an image (empty when the file has none).
    public var validation: [ValidationCheck] = []
    /// Peak memory of one Flash Attention compile job, in GiB, per FA major (`--max-jobs auto`).
    public var jobMemoryGiB: [Int: Int] = [:]

    public var architectureNames: [String] { architectures.map(\.name) }

    /// The Flash Attention major whose compile needs the most memory per job, among those the
    /// architecture gets: the compiles run one after another with the same `MAX_JOBS`, so the
    /// hungriest one sizes it. `nil` when it gets none.
    public func jobSizingMajor(of architecture: Architecture) -> Int? {
        architecture.flashAttention.map(\.major).max { (jobMemoryGiB[$0] ?? 0, $0) < (jobMemoryGiB[$1] ?? 0, $1) }
    }

    public func architecture(named name: String) -> Architecture? {
        architectures.first { $0.name == name }
    }

    /// The channels the Dockerfile knows how to install from.
    public static let torchChannels = ["stable", "nightly"]
}
