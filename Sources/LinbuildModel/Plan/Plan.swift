import LinbuildSupport

/// Everything a run will do, decided before anything runs: resolved settings, tags, build
/// arguments and the steps with their exact commands. `--dry-run` and `--json` print it; the
/// executor runs it. It is a plain value, so tests compare it without an engine.
public struct Plan: Equatable, Sendable, Codable {
    /// Bumped when a field of the JSON view changes meaning or goes away. 2: `schemaVersion`,
    /// `refName`, `createdAt`, `targets[].baseBuildArguments`, `allowIncompleteSource`. 3: `steps`
    /// lists only what a run executes; the `prepare` and `cleanUp` steps are gone (`workDirectory`).
    /// 4: every command a run executes is a step's: the base's tags are the `tagBase` and
    /// `tagBaseForPush` steps (their commands name the base's image ID as `$LINBUILD_BASE_ID`), the
    /// base is pushed by one `pushBase` step per tag, and `pullBase.image` is what it pulls.
    /// 5: `createdAt` is the commit's time (`sourceDateEpoch`), `timestampProblem` says when the
    /// engine cannot give two builds of one commit one digest, `baseInputs.pins` and
    /// `targets[].lockedImages` hold what a lock pins.
    /// 6: the Flash Attention wheels artifact: `targets[].faInputs` and `faImage`, the steps
    /// `checkFA`, `buildFA`, `pullFA`, `pushFA`, `baseInputs.artifacts` (`scope` on both) and
    /// `targets[].faRepository`.
    public static let currentSchemaVersion = 6
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
    /// A private folder for build contexts, created at the start and removed on every way out
    /// (failure and signal included): not a step, because a step list cannot say "always".
    public var workDirectory: String
    /// `org.opencontainers.image.created` of both images: the commit's time (the run's clock only
    /// when the commit's is unknown).
    public var createdAt: String = ""
    /// The commit's time in seconds since the epoch: the runtime's `SOURCE_DATE_EPOCH`, and the
    /// time every file in its layers gets where the engine can set it.
    public var sourceDateEpoch: Int? = nil
    /// Why two runtime builds of one commit cannot give one image digest on this engine (said once
    /// in a run); nil when they can.
    public var timestampProblem: String? = nil
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
    /// What the lock pins the base's stages to (stage → `repository:tag@sha256:…`, as this run
    /// pulls it): checked in the registry before a base build. Empty without a lock.
    public var lockedImages: [String: String] = [:]
    /// The Flash Attention wheels artifact's inputs and immutable reference
    /// (`NS/linnaeus-fa:<readable>-in<12 hex>`): what the base build takes the wheels from. Nil when
    /// the architecture gets none, the Dockerfile has no `fa-wheels` stage, or with `--skip-base`.
    public var faInputs: BaseInputs? = nil
    public var faImage: String? = nil
    /// `[registry/]NS/linnaeus-fa`: the repository this run's wheels are in (with `--skip-base`
    /// too, where the base's `dev.linbuild.fa.image` must name a tag of it before it is pushed).
    /// Nil when the architecture gets no Flash Attention or the Dockerfile has no `fa-wheels` stage.
    public var faRepository: String? = nil
}

/// A step of the plan. Conditional steps run only when the base decision, taken at run time from
/// the local store and the registry, calls for them.
public struct Step: Equatable, Sendable, Codable {
    public enum Kind: String, Sendable, Codable {
        case exportSource, checkBase, buildBase, pullBase
        /// Once the base is in hand (found, built or pulled): its image ID tagged with the immutable
        /// tag, and the readable one when the plan moves it.
        case tagBase
        case buildRuntime
        /// Just before the base is pushed under a tag: its image ID tagged again with that tag, so a
        /// concurrent run that moved the tag meanwhile cannot make this one push another base.
        case tagBaseForPush
        case pushBase, pushRuntime
        /// The Flash Attention wheels artifact: looked up once the base is to be built, compiled
        /// or pulled only when the lookup calls for it, and pushed before the base.
        case checkFA, buildFA, pullFA, pushFA

        /// Pushes (and the tags made for them) run only after every build of the run succeeded,
        /// and none after a failure.
        public var isPush: Bool { self == .tagBaseForPush || self == .pushBase || self == .pushRuntime || self == .pushFA }
    }

    /// The run values a step's commands may hold (`Command.runValues`).
    public enum RunValue {
        /// The image ID of the base this run built, found or pulled: what its tags name.
        public static let baseImageID = "LINBUILD_BASE_ID"
        /// With --skip-base: the Flash Attention wheels the local base names (its `dev.linbuild.fa.image`).
        public static let wheelsImage = "LINBUILD_FA_IMAGE"
    }

    public enum Condition: String, Sendable, Codable {
        /// The base is missing everywhere or its inputs changed (always with --force-base).
        case baseNeedsBuild
        /// The base is in the registry only, with the right inputs.
        case baseOnlyInRegistry
        /// The registry lacks the base under the step's image (the tag to push), or holds it with
        /// other inputs (with --skip-base: lacks it). Decided per tag, just before its push.
        case baseNeedsPush
        /// The base is to be built and the wheels with its inputs are nowhere.
        case faNeedsBuild
        /// The base is to be built and the wheels are in the registry only.
        case faOnlyInRegistry
        /// The wheels were wanted by this run (the base was built) and the registry lacks them.
        case faNeedsPush
    }

    public var kind: Kind
    public var arch: String?
    public var commands: [Command]
    public var condition: Condition?
    /// The image the step reads or makes, if any.
    public var image: String?

    /// Where a step's name is shown.
    public enum NameUse: Sendable {
        /// Progress lines and errors: `build base [hopper]`.
        case title
        /// The end-of-run summary, where a base found and a base built share one row: `base [hopper]`.
        case summaryRow
        /// The step's log file: `build-base-hopper.log`.
        case logFile
    }

    /// The step's one name, in the form `use` needs.
    public func name(_ use: NameUse) -> String {
        let what: String =
            switch (kind, use) {
            case (.checkBase, .summaryRow), (.buildBase, .summaryRow): "base"
            case (.buildRuntime, .summaryRow): "runtime"
            case (.exportSource, _): "export source"
            case (.checkBase, _): "check base"
            case (.buildBase, _): "build base"
            case (.pullBase, _): "pull base"
            case (.tagBase, _): "tag base"
            case (.buildRuntime, _): "build runtime"
            case (.tagBaseForPush, _): "tag base for push"
            case (.pushBase, _): "push base"
            case (.pushRuntime, _): "push runtime"
            case (.checkFA, .summaryRow), (.buildFA, .summaryRow): "fa"
            case (.checkFA, _): "check fa"
            case (.buildFA, _): "compile fa"
            case (.pullFA, _): "pull fa"
            case (.pushFA, _): "push fa"
            }
        guard use == .logFile else { return arch.map { "\(what) [\($0)]" } ?? what }
        return ([what] + (arch.map { [$0] } ?? [])).joined(separator: " ").split(separator: " ").joined(separator: "-") + ".log"
    }

    public var title: String { name(.title) }
}
