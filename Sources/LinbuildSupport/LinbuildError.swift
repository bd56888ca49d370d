/// Every failure linbuild reports. Each case renders as one line that says what went wrong
/// and what to do, and maps to one exit code.
public enum LinbuildError: Error, Equatable, Sendable {
    /// Bad command line; the message already says what to do.
    case usage(String)
    /// A presets file that breaks its schema: file, entry path and field.
    case invalidPresets(file: String, entry: String, problem: String)
    /// A Dockerfile that breaks the contract with the plan.
    case contract(String)
    case missingFile(String, what: String)
    /// A file where a folder belongs, or the reverse: the message names which.
    case wrongKind(String)
    case notARepository(String)
    case unknownRef(repository: String, ref: String)
    /// As `unknownRef`, with what the repository does have.
    case unknownRefWithHint(repository: String, ref: String, hint: String)
    case ambiguousRef(repository: String, ref: String, candidates: [String])
    /// A tag on a tree or a blob: there is no commit to build.
    case notACommit(repository: String, ref: String, refName: String, type: String)
    /// Submodules or Git LFS files whose contents cannot be put in the image.
    case incompleteSource(String)
    case gitFailed(repository: String, detail: String)
    case engineUnavailable(String)
    case registryUnavailable(String)
    case buildFailed(step: String, status: String, log: String?)
    case pushFailed(String)
    case interrupted(signal: Int32)
    /// A signal stopped a running step (a build, a pull, a push): the message names it.
    case interruptedDuring(signal: Int32, step: String)
    /// `--skip-base` with the base neither local nor in the registry.
    case baseNotFound(String)
    /// A base about to be pushed names Flash Attention wheels that are neither in the local store
    /// nor in the registry: the run (and the dry-run script) stop rather than push it.
    case wheelsMissing(base: String, wheels: String)
    /// A check inside an image failed (`linbuild validate`).
    case validationFailed(String)
    /// An image under a tag that names its inputs records other inputs.
    case mislabeledImage(String)
    /// Preflight found an input (torch version, image tag, Flash Attention tag) upstream lacks.
    case upstreamMissing(String)
    /// The lock of the upstreams does not fit what the build pulls, or pins what upstream no longer has.
    case lock(String)
    /// `linbuild outdated` found upstreams that drifted (its exit code, 2, says so to scripts).
    case drifted(String)
    /// A program linbuild needs (the engine, git, tar) cannot start: `LaunchFailure.error(fix:)`.
    case cannotRun(program: String, reason: String, fix: String)
    /// A file or folder linbuild writes (the work folder, a step's log) cannot be created.
    case cannotCreate(path: String, what: String, reason: String, fix: String)
}

extension LinbuildError: CustomStringConvertible {
    /// Failures of the machine rather than of one architecture's build: no other architecture
    /// could do better, so a matrix stops even with `--keep-going`.
    public var endsEveryArchitecture: Bool {
        switch self {
        case .interrupted, .interruptedDuring, .engineUnavailable, .registryUnavailable, .upstreamMissing: true
        case .cannotRun, .cannotCreate: true
        default: false
        }
    }

    public var isInterruption: Bool {
        switch self {
        case .interrupted, .interruptedDuring: true
        default: false
        }
    }

    public var exitCode: ExitCode {
        switch self {
        case .usage: .usage
        case .invalidPresets, .contract, .upstreamMissing, .incompleteSource, .mislabeledImage, .lock: .dataError
        case .missingFile, .wrongKind, .notARepository, .unknownRef, .unknownRefWithHint, .ambiguousRef, .notACommit, .gitFailed,
            .baseNotFound, .wheelsMissing:
            .noInput
        case .engineUnavailable, .registryUnavailable: .unavailable
        case .cannotRun: .unavailable
        // Not an input that is missing (66): linbuild's exit codes (docs/reference.md) have no EX_CANTCREAT (73), so the generic failure.
        case .cannotCreate: .failure
        case .buildFailed, .pushFailed, .validationFailed: .failure
        case .drifted: .drifted
        case .interrupted(let signal), .interruptedDuring(let signal, _): signal == 15 ? .terminated : .interrupted
        }
    }

    /// One line, whatever the data quoted in it held: control characters are escaped.
    public var description: String { Sanitized.escapingControls(Redaction.scrubbed(message)) }

    private var message: String {
        switch self {
        case .usage(let message):
            return message
        case .invalidPresets(let file, let entry, let problem):
            return "\(file): \(entry): \(problem)"
        case .contract(let message):
            return message
        case .missingFile(let path, let what):
            return "\(what) not found: \(path) (check the path, or pass another with its option)"
        case .notARepository(let path):
            return "not a git repository: \(path) (pass a clone or a git URL with --source)"
        case .unknownRef(let repository, let ref):
            return "no branch, tag or commit named '\(ref)' in \(repository) (check --branch; fetch it first if it is new)"
        case .unknownRefWithHint(let repository, let ref, let hint):
            return "no branch, tag or commit named '\(ref)' in \(repository): \(hint)"
        case .ambiguousRef(let repository, let ref, let candidates):
            return
                "'\(ref)' is ambiguous in \(repository): it names \(candidates.joined(separator: ", ")) (pass the full ref, e.g. \(candidates.first ?? "refs/heads/\(ref)"))"
        case .wrongKind(let message):
            return message
        case .notACommit(let repository, let ref, let refName, let type):
            return
                "'\(ref)' (\(refName)) in \(repository) points to a \(type), not a commit: there is nothing to build (pass a branch, a tag on a commit, or a SHA)"
        case .incompleteSource(let message):
            return message
        case .gitFailed(let repository, let detail):
            return "git failed on \(repository): \(detail)"
        case .engineUnavailable(let message), .registryUnavailable(let message):
            return message
        case .buildFailed(let step, let status, let log):
            return "\(step) failed (\(status))" + (log.map { "; its log is \($0)" } ?? "")
        case .pushFailed(let message), .validationFailed(let message), .upstreamMissing(let message), .mislabeledImage(let message),
            .lock(let message), .drifted(let message):
            return message
        case .interrupted(let signal):
            return "interrupted by \(signal == 15 ? "SIGTERM" : "SIGINT"); nothing more was started"
        case .interruptedDuring(let signal, let step):
            let what =
                step.hasPrefix("push")
                ? "the push was stopped (the registry's tag changes only if the push had already finished)" : "it was stopped"
            return "interrupted by \(signal == 15 ? "SIGTERM" : "SIGINT") during \(step); \(what)"
        case .baseNotFound(let message):
            return message
        case .wheelsMissing(let base, let wheels):
            return Self.wheelsMissingMessage(base: base, wheels: wheels)
        case .cannotRun(let program, let reason, let fix):
            return "cannot run \(program): \(reason) (\(fix))"
        case .cannotCreate(let path, let what, let reason, let fix):
            return "cannot create the \(what) \(path): \(reason) (\(fix))"
        }
    }
}

extension LinbuildError {
    /// `wheelsMissing`'s line; the dry-run script prints it with shell words for `base` and `wheels`,
    /// and says what it did not push (it decides each architecture's push in turn; a run decides
    /// every architecture's wheels before its first push, so nothing was).
    /// The script learns what the registry holds by pulling, which cannot tell a registry that lacks
    /// them from one that cannot be asked: it says so (`nowhere`), with 66 either way.
    public static func wheelsMissingMessage(
        base: String, wheels: String, pushed: String = "nothing was pushed",
        nowhere: String = "neither in the local store nor in the registry"
    ) -> String {
        "the base \(base) is made from the Flash Attention wheels \(wheels), which are \(nowhere); \(pushed) (run with --force-base to compile them and build the base again)"
    }

    /// The local store lacks the wheels a base about to be pushed names, and the registry could not
    /// say whether it holds them: the run stops rather than push a base that may name missing wheels.
    public static func wheelsUnknown(base: String, wheels: String) -> LinbuildError {
        .registryUnavailable(
            "the base \(base) is made from the Flash Attention wheels \(wheels), which the local store lacks and the registry could not be asked about; nothing was pushed (fix access to the registry and retry)"
        )
    }
}
