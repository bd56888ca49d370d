/// The options linbuild understands, in the order `--help` lists them: each one's default, variable
/// and bounds are written here and nowhere else.
public enum OptionTable {
    /// `--max-jobs`, and the presets' `defaults.maxJobs`.
    public static let jobBounds = 1...1024
    public static let probeSeconds = 1...600
    /// `prune --keep`: runtimes kept per branch and architecture.
    public static let keepBounds = 1...10_000
    /// `prune --older-than`: days.
    public static let ageBounds = 0...36_500
    /// `--progress`: what it accepts and completes.
    public static let progressModes = ["auto", "plain", "tty"]

    public static let maxJobs = OptionSpec(
        "max-jobs", value: "N|auto", env: "LINBUILD_MAX_JOBS", commands: [.build, .preflight], default: .presets(.maxJobs),
        bounds: jobBounds,
        "parallel compile jobs for Flash Attention (\(jobBounds.lowerBound)-\(jobBounds.upperBound), or auto: the engine's CPUs and memory)"
    )
    public static let engine = OptionSpec(
        "engine", value: "CLI", env: "LINBUILD_ENGINE", completion: .words(["docker", "podman"]),
        commands: [.build, .validate, .preflight],
        default: .value("docker"), "container CLI to run")
    public static let logDirectory = OptionSpec(
        "log-dir", value: "DIR", env: "LINBUILD_LOG_DIR", completion: .directory, commands: [.build], default: .value(".linbuild/logs"),
        "where each step's log is written")
    public static let probeTimeout = OptionSpec(
        "probe-timeout", value: "SECONDS", env: "LINBUILD_PROBE_TIMEOUT", commands: [.build, .validate, .preflight, .prune],
        default: .value("20"),
        bounds: probeSeconds, "how long engine and registry checks may take (\(probeSeconds.lowerBound)-\(probeSeconds.upperBound))")

    public static let all: [OptionSpec] = [
        OptionSpec(
            "arch", value: "NAME[,NAME…]|all", env: "LINBUILD_ARCH", completion: .arch, commands: [.build, .check, .validate, .preflight],
            default: .presets(.arch), otherDefaults: [.check: "all", .validate: "the image's dev.linbuild.arch label"],
            environmentIgnoredBy: [.validate],
            "GPU architecture(s) from presets; 'all' or a comma list builds a matrix"),
        OptionSpec(
            "branch", value: "REF", env: "LINBUILD_BRANCH", commands: [.build], default: .presets(.branch),
            "branch, tag or commit of the source to build"),
        maxJobs,
        OptionSpec(
            "tag-suffix", value: "S", env: "LINBUILD_TAG_SUFFIX", commands: [.build],
            "appended to the runtime tag as -S"),
        OptionSpec("push", commands: [.build], "push the images after every build succeeded"),
        OptionSpec(
            "source", value: "PATH|URL", env: "LINBUILD_SOURCE", completion: .directory, commands: [.build], default: .presets(.source),
            "source repository: a local clone or a git URL"),
        OptionSpec(
            "registry", value: "HOST[:PORT]", env: "LINBUILD_REGISTRY", commands: [.build, .prune],
            "registry host prefixed to both tags (default: Docker Hub)"),
        OptionSpec(
            "namespace", value: "NS", env: "LINBUILD_NAMESPACE", commands: [.build, .prune], default: .presets(.namespace),
            "image namespace"),
        OptionSpec(
            "presets", value: "FILE", env: "LINBUILD_PRESETS", completion: .file, default: .described("./presets.json"),
            "presets file"),
        OptionSpec(
            "dockerfile", value: "FILE", env: "LINBUILD_DOCKERFILE", completion: .file, commands: [.build, .check, .preflight],
            default: .presets(.dockerfile), "Dockerfile with the base and runtime stages"),
        OptionSpec(
            "platform", value: "OS/ARCH", env: "LINBUILD_PLATFORM",
            completion: .words(["linux/amd64", "linux/arm64"]), commands: [.build, .preflight], default: .presets(.platform),
            "target platform of every build"),
        OptionSpec("force-base", commands: [.build], "build the base even when it is cached"),
        OptionSpec("skip-base", commands: [.build], "never build the base; use the existing tag"),
        OptionSpec("no-cache", commands: [.build], "base builds: build every step anew (docker build --no-cache)"),
        OptionSpec("pull", commands: [.build], "base builds: pull newer FROM images (docker build --pull)"),
        OptionSpec(
            "move-base-tag", commands: [.build],
            "move the readable base tag to this run's base even off the presets' branch"),
        OptionSpec("keep-going", commands: [.build], "with several archs, go on after one fails"),
        OptionSpec(
            "allow-incomplete-source", commands: [.build],
            "build even when submodules or Git LFS files of the commit cannot be included (they stay empty or pointers)"),
        engine,
        OptionSpec("context", value: "NAME", env: "LINBUILD_CONTEXT", commands: [.build, .validate, .preflight], "docker context to use"),
        OptionSpec(
            "builder", value: "NAME", env: "LINBUILD_BUILDER", commands: [.build],
            "buildx builder to use (remote or Kubernetes builders)"),
        OptionSpec(
            "progress", value: "MODE", env: "LINBUILD_PROGRESS",
            completion: .words(progressModes), commands: [.build], default: .described("auto"), "BuildKit progress output"),
        OptionSpec(
            "network", value: "MODE", env: "LINBUILD_NETWORK", completion: .words(["default", "host", "none"]),
            commands: [.build], "network of every build's RUN steps (host: reach a mirror on loopback or a proxy)"),
        logDirectory,
        OptionSpec("no-preflight", commands: [.build], "skip the upstream checks before a base build (env LINBUILD_NO_PREFLIGHT=1)"),
        probeTimeout,
        OptionSpec("gpus", value: "SPEC", commands: [.validate], "GPUs to pass to validate's container"),
        OptionSpec(
            "keep", value: "N", commands: [.prune], default: .value("5"), bounds: keepBounds,
            "runtimes kept per branch and architecture, newest first"),
        OptionSpec(
            "older-than", value: "DAYS", commands: [.prune], bounds: ageBounds,
            "delete only images created more than DAYS days ago (default: any age)"),
        OptionSpec("apply", commands: [.prune], "delete what the dry run lists (without it, prune deletes nothing)"),
        OptionSpec("dry-run", commands: [.build], "print the plan as shell lines; run nothing"),
        OptionSpec(
            "json", commands: [.build, .validate, .prune],
            "print the plan as JSON and run nothing (validate: its results; prune: what it keeps and deletes)"),
        OptionSpec("quiet", short: "q", "print only errors and the summary"),
        OptionSpec("verbose", short: "v", "print each command before it runs"),
        OptionSpec("help", short: "h", "show this help"),
        OptionSpec("version", "show the version"),
    ]

    public static func spec(named name: String, in table: [OptionSpec] = all) -> OptionSpec? {
        table.first { $0.name == name }
    }

    public static func spec(short: Character, in table: [OptionSpec] = all) -> OptionSpec? {
        table.first { $0.short == short }
    }
}
