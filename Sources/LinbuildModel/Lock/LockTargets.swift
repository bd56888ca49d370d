/// What a lock pins for one architecture: the images its base's stages pull (as the build would
/// pull them) and the PyTorch wheels the Dockerfile can check hashes of. Made from the same
/// presets, Dockerfile and locations as the plan, so `lock`, `outdated` and a build read one list.
public struct LockTargets: Equatable, Sendable {
    /// One of torch, torchvision, torchaudio, at the exact version presets give, on the PyTorch
    /// index page the build installs it from.
    public struct Wheel: Equatable, Sendable {
        public var project: String
        /// `2.7.1+cu126`: the version with the index's local label, as the build asks for it.
        public var version: String
        public var index: String
        /// The build argument that carries its hashes (`TORCH_SHA256`).
        public var argument: String
    }

    public struct Architecture: Equatable, Sendable {
        public var name: String
        public var images: [UpstreamImage]
        /// Empty when the Dockerfile declares none of the hash arguments (it installs no PyTorch
        /// wheel linbuild could have it check).
        public var wheels: [Wheel]
    }

    public var platform: String
    /// The Python the wheels must fit (the Dockerfile's `PYTHON_VERSION` default).
    public var python: String
    public var architectures: [Architecture]

    /// The projects whose wheels are pinned, each with its hash argument.
    public static let wheelProjects = ["torch", "torchvision", "torchaudio"]

    public static func hashArgument(of project: String) -> String { project.uppercased() + "_SHA256" }

    /// Every wheel hash argument: not base inputs by themselves (the pins are), and a Dockerfile
    /// without a lock need not declare them.
    public static var hashArguments: [String] { wheelProjects.map(hashArgument) }

    public static func make(
        presets: Presets, architectures: [Presets.Architecture], dockerfile: Dockerfile, platform: String, locations: UpstreamLocations
    ) -> LockTargets {
        let upstream = PreflightTargets.make(
            presets: presets, architectures: architectures, dockerfile: dockerfile, platform: platform, locations: locations)
        let declared = dockerfile.argumentsUsed(by: DockerfileContract.baseStage)
        let result = architectures.map { architecture -> Architecture in
            let arguments = BuildArguments.base(
                for: architecture, defaults: presets.defaults, maxJobs: presets.defaults.maxJobs, locations: locations)
            let images = dockerfile.upstreamImages(
                of: DockerfileContract.baseStage, arguments: Dictionary(arguments.pairs.map { ($0.name, $0.value) }) { $1 })
            let packages = upstream.architectures.first { $0.name == architecture.name }?.packages ?? []
            let wheels = packages.compactMap { package -> Wheel? in
                let argument = hashArgument(of: package.project)
                guard wheelProjects.contains(package.project), declared.contains(argument), let version = package.versions.first else {
                    return nil
                }
                return Wheel(project: package.project, version: version, index: package.index, argument: argument)
            }
            return Architecture(name: architecture.name, images: images, wheels: wheels)
        }
        return LockTargets(platform: platform, python: upstream.python, architectures: result)
    }
}
