/// An ordered list of `--build-arg` pairs: order is kept so commands and digests are stable.
public struct BuildArguments: Equatable, Sendable {
    public var pairs: [(name: String, value: String)]

    public init(_ pairs: [(name: String, value: String)]) { self.pairs = pairs }

    public subscript(name: String) -> String? { pairs.first { $0.name == name }?.value }
    public var names: [String] { pairs.map(\.name) }
    /// Name → value, as a build sees them (a later pair of one name wins, as on a command line).
    public var values: [String: String] { Dictionary(pairs.map { ($0.name, $0.value) }) { _, last in last } }

    /// The commit's time, which BuildKit (v0.11 on) reads from this build argument without the
    /// Dockerfile declaring it (reproducible-builds.org's convention).
    /// These arguments with `values` set: a name already passed keeps its place, a new one is added.
    public func setting(_ values: [(name: String, value: String)]) -> BuildArguments {
        var pairs = self.pairs
        for (name, value) in values {
            if let index = pairs.firstIndex(where: { $0.name == name }) { pairs[index].value = value } else { pairs.append((name, value)) }
        }
        return BuildArguments(pairs)
    }

    public static let sourceDateEpoch = "SOURCE_DATE_EPOCH"

    public static func == (lhs: BuildArguments, rhs: BuildArguments) -> Bool {
        lhs.pairs.map(\.name) == rhs.pairs.map(\.name) && lhs.pairs.map(\.value) == rhs.pairs.map(\.value)
    }

    /// The base stage's arguments: the contract with `docker/Dockerfile`. `locations` are the
    /// presets' with the run's environment applied.
    public static func base(
        for architecture: Presets.Architecture, defaults: Presets.Defaults, maxJobs: Int,
        locations: UpstreamLocations? = nil
    ) -> BuildArguments {
        BuildArguments(
            [
                ("NVIDIA_CUDA_TAG", architecture.nvidiaCudaTag ?? defaults.nvidiaCudaTag),
                ("TORCH_CHANNEL", architecture.torchChannel),
                ("TORCH_VER", "\(architecture.torchVersion)+\(architecture.cudaSuffix)"),
                ("TORCH_CUDA_SUFFIX", architecture.cudaSuffix),
                ("TORCHVISION_VER", architecture.torchvisionVersion),
                ("TORCHAUDIO_VER", architecture.torchaudioVersion),
                // Every version the architecture gets, ascending by major ("2.8.3 3.0.0"; empty:
                // none); the Dockerfile builds each, FA 3 from FA_COMMIT of the git source.
                ("FA_VER", architecture.flashAttention.map(\.version).joined(separator: " ")),
                ("FA_COMMIT", architecture.flashAttention.compactMap(\.commit).first ?? ""),
                ("CUDA_ARCH_LIST", architecture.cudaArchList),
                ("OS_PACKAGES", defaults.osPackages.joined(separator: " ")),
                ("MAX_JOBS", String(maxJobs)),
            ] + (defaults.nvccThreads.map { [("NVCC_THREADS", String($0))] } ?? [])
                // FA 3's trimming switches, only when there are any: an input of the wheels then
                // (their stage declares it), and nothing at all otherwise.
                + fa3Disable(architecture)
                + (locations ?? defaults.locations).pairs)
    }

    /// Sorted and once each: the switches are a set, and the value is an input of the wheels, so
    /// the order they are written in must not change the key.
    static func fa3Disable(_ architecture: Presets.Architecture) -> [(String, String)] {
        let names = Set(architecture.flashAttention.flatMap(\.disable)).sorted()
        return names.isEmpty ? [] : [("FA3_DISABLE", names.joined(separator: " "))]
    }

    /// The runtime stage's arguments.
    public static func runtime(
        baseImage: String, commit: CommitID, defaults: Presets.Defaults? = nil,
        locations: UpstreamLocations? = nil
    ) -> BuildArguments {
        var pairs: [(name: String, value: String)] = [("BASE_IMAGE", baseImage), ("LINNAEUS_REF", commit.sha)]
        if let defaults {
            pairs.append(("APP_EXTRAS", defaults.extras.joined(separator: ",")))
            pairs += (locations ?? defaults.locations).pairs.filter { UpstreamLocations.runtimeArguments.contains($0.name) }
        }
        return BuildArguments(pairs)
    }

    /// Arguments that change how fast the base builds, or where its bytes come from, but not what
    /// it contains: changing one never rebuilds the base.
    public static let notBaseInputs: Set<String> = Set(["MAX_JOBS", "NVCC_THREADS"] + UpstreamLocations.keys.map(\.argument))

    /// Arguments a Dockerfile may leave undeclared (BuildKit then only warns): the recipe's
    /// knobs and locations, which a Dockerfile that does not install those things has no use for.
    /// The contract with docker/Dockerfile (docs/usage.md: NVIDIA_CUDA_TAG … MAX_JOBS, BASE_IMAGE,
    /// LINNAEUS_REF) stays required.
    public static let mayBeIgnored: Set<String> = notBaseInputs.subtracting(["MAX_JOBS"])
        .union(["TORCHVISION_VER", "TORCHAUDIO_VER", "FA_COMMIT", "FA3_DISABLE", "OS_PACKAGES", "APP_EXTRAS"])
}
