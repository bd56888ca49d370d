import LinbuildProcess

/// Everything a run will do, decided before anything runs: resolved settings, tags, build
/// arguments and the steps with their exact commands. `--dry-run` and `--json` print it; the
/// executor runs it. It is a plain value, so tests compare it without an engine.
public struct Plan: Equatable, Sendable, Codable {
    /// Bumped when a field of the JSON view changes meaning or goes away. 2: `schemaVersion`,
    /// `refName`, `createdAt`, `targets[].baseBuildArguments`, `allowIncompleteSource`.
    public static let currentSchemaVersion = 2
    public var schemaVersion = Plan.currentSchemaVersion
    public enum BaseMode: String, Equatable, Sendable, Codable {
        /// Build only when missing or when its inputs changed.
        case auto
        case force
        case skip
    }

    public var source: String
    public var ref: String
    /// The full ref name `ref` resolved to (`refs/heads/feat/x`), or nil for a SHA.
    public var refName: String?
    public var commit: CommitID
    public var engine: EngineCLI
    public var platform: String
    public var dockerfile: String
    public var push: Bool
    public var baseMode: BaseMode
    public var keepGoing: Bool
    /// `--allow-incomplete-source`: submodules or LFS objects that cannot be had are left out, with a warning.
    public var allowIncompleteSource = false
    /// A private folder for build contexts, created at the start and always removed.
    public var workDirectory: String
    /// `org.opencontainers.image.created` of both images: with `workDirectory`, what varies between runs.
    public var createdAt: String = ""
    public var targets: [TargetPlan]
    public var steps: [Step]
    /// Whether the readable base tag is moved to this run's base (built or found), locally and,
    /// with `--push`, in the registry: from the presets' default branch, or with `--move-base-tag`.
    public var movesBaseTag = false

    /// The runtime's build context: the exported commit.
    public var sourceContext: String { workDirectory + "/source" }
    /// The base's build context: empty, because the base needs no files from the source.
    public var emptyContext: String { workDirectory + "/empty" }
}

/// One architecture's part of the plan.
public struct TargetPlan: Equatable, Sendable, Codable {
    public var arch: String
    public var baseImage: String
    public var runtimeImage: String
    public var baseArguments: [String: String]
    public var runtimeArguments: [String: String]
    public var baseInputs: BaseInputs
    /// `<baseImage>-in<12 hex of the inputs digest>`: what the runtime is built FROM.
    public var baseImmutableImage: String = ""
    /// Why `MAX_JOBS` has its value (`MAX_JOBS=6: 48 GiB / 8 GiB per job`).
    public var maxJobsReason: String? = nil
    /// Every `--build-arg` of the base build: `baseArguments` and `BASE_IMAGE` (old frontends expand every FROM).
    public var baseBuildArguments: [String: String] = [:]
}

/// A step of the plan. Conditional steps run only when the base decision, taken at run time from
/// the local store and the registry, calls for them.
public struct Step: Equatable, Sendable, Codable {
    public enum Kind: String, Sendable, Codable {
        case prepare, exportSource, checkBase, buildBase, pullBase, buildRuntime, pushBase, pushRuntime, cleanUp
    }

    public enum Condition: String, Sendable, Codable {
        /// The base is missing everywhere or its inputs changed (always with --force-base).
        case baseNeedsBuild
        /// The base is in the registry only, with the right inputs.
        case baseOnlyInRegistry
        /// This run built the base, or the registry lacks it.
        case baseNeedsPush
    }

    public var kind: Kind
    public var arch: String?
    public var commands: [Command]
    public var condition: Condition?
    /// The image the step reads or makes, if any.
    public var image: String?

    public var title: String {
        let what: String = switch kind {
        case .prepare: "prepare"
        case .exportSource: "export source"
        case .checkBase: "check base"
        case .buildBase: "build base"
        case .pullBase: "pull base"
        case .buildRuntime: "build runtime"
        case .pushBase: "push base"
        case .pushRuntime: "push runtime"
        case .cleanUp: "clean up"
        }
        return arch.map { "\(what) [\($0)]" } ?? what
    }
}
