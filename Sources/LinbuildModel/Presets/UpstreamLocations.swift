import LinbuildSupport

/// Where the recipe's bytes come from: image repositories, package indexes, the Python source and
/// the Flash Attention 3 git remote. Each is a build argument of `docker/Dockerfile` whose default is
/// the real upstream; presets (`defaults.locations`) set them, and a `LINBUILD_*` variable overrides
/// one for a run (a mirror, an air-gapped cluster, the offline stand-ins).
/// A location says where bytes come from, not what they are, so it is never a base input; where a
/// value also chooses what the image holds (`choice(of:value:)`), that choice is one.
public struct UpstreamLocations: Equatable, Sendable {
    public struct Key: Equatable, Sendable {
        /// The Dockerfile's build argument.
        public var argument: String
        /// The field under `defaults.locations` in presets.json.
        public var presetsKey: String
        /// The environment variable that overrides it for one run.
        public var environment: String
    }

    /// Every location, in the order the plan passes them.
    public static let keys: [Key] = [
        Key(argument: "CUDA_IMAGE", presetsKey: "cudaImage", environment: "LINBUILD_CUDA_IMAGE"),
        Key(argument: "OS_IMAGE", presetsKey: "osImage", environment: "LINBUILD_OS_IMAGE"),
        Key(argument: "UV_IMAGE", presetsKey: "uvImage", environment: "LINBUILD_UV_IMAGE"),
        Key(argument: "PYTHON_SOURCE", presetsKey: "pythonSource", environment: "LINBUILD_PYTHON_SOURCE"),
        Key(argument: "TORCH_INDEX", presetsKey: "torchIndex", environment: "LINBUILD_TORCH_INDEX"),
        Key(argument: "PYPI_INDEX", presetsKey: "pypiIndex", environment: "LINBUILD_PYPI_INDEX"),
        Key(argument: "FA3_GIT", presetsKey: "flashAttentionGit", environment: "LINBUILD_FA3_GIT"),
    ]

    /// What a location's value chooses besides a place, or `nil` for a pure location.
    /// `PYTHON_SOURCE` is `os` (the distribution's Python packages) or where python-build-standalone's
    /// builds are mirrored: the two give different bases (another Python build, other files), so
    /// `os` or `standalone` is a base input, while which mirror serves the standalone build is not.
    public static func choice(of argument: String, value: String) -> String? {
        guard argument == "PYTHON_SOURCE" else { return nil }
        return value == "os" ? "os" : "standalone"
    }

    /// The locations whose value carries a choice (`choice(of:value:)`).
    public static let choiceArguments: Set<String> = ["PYTHON_SOURCE"]

    /// The locations the runtime stage uses (it installs the application's dependencies).
    public static let runtimeArguments: Set<String> = ["PYPI_INDEX"]

    /// By build argument name.
    public var values: [String: String]

    public init(values: [String: String]) { self.values = values }

    /// `self` with values given by build argument name (the options' overrides).
    public func overridden(byArguments overrides: [String: String]) -> UpstreamLocations {
        UpstreamLocations(values: values.merging(overrides) { $1 })
    }

    /// The same locations without their credentials (`https://host/simple` for
    /// `https://user:password@host/simple`): what build arguments, plans and labels may hold.
    public var withoutCredentials: UpstreamLocations {
        UpstreamLocations(values: values.mapValues(Redaction.stripped))
    }

    /// The locations that carry credentials (`https://TOKEN@host/…`, `https://user:password@host/…`),
    /// in `keys` order: each reaches a build only as a build secret (`BuildSecret`).
    public var credentialed: [(key: Key, value: String)] {
        Self.keys.compactMap { key in values[key.argument].flatMap { Redaction.hasCredentials($0) ? (key, $0) : nil } }
    }

    /// The build arguments, in `keys` order.
    public var pairs: [(name: String, value: String)] {
        Self.keys.compactMap { key in values[key.argument].map { (key.argument, $0) } }
    }

    /// A value that a shell, a URL or an image reference would misread: whitespace, quotes,
    /// control characters. `nil` when usable.
    static func problem(with value: String) -> String? {
        value.unicodeScalars.contains { $0.value < 0x21 || $0.value == 0x7F || "\"'`\\".unicodeScalars.contains($0) }
            ? "must be one word (a URL, an image repository or 'os'), without spaces, quotes or control characters" : nil
    }
}
