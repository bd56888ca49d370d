/// What the reference page says about an option beyond its one-line help: facts too long for
/// `--help`. Keyed by option name; a test checks every key names an option of `OptionTable`.
extension OptionTable {
    public static let details: [String: String] = [
        "arch":
            "Several architectures build one after another. `check` checks all of them by default; `validate` reads the image's `dev.linbuild.arch` label, and `LINBUILD_ARCH` does not override it.",
        "branch":
            "A branch (also with slashes or remote-tracking), a tag (peeled to its commit) or a full or short SHA, resolved to one commit before anything is built.",
        "max-jobs":
            "Absent or `auto`: sized to the engine's CPUs and memory before a base build; the presets' `defaults.maxJobs` when the engine cannot say, and in a dry run. Not a base input.",
        "tag-suffix": "`x` and `-x` both give `-x`.",
        "push":
            "Pushes the runtime, and the base unless the registry holds it with the same inputs; nothing is pushed until every build of the run succeeded.",
        "source":
            "A local clone (or a folder inside one: the top level is built), or a git URL (asked with `git ls-remote`, fetched at depth 1).",
        "presets": "Looked for as `./presets.json`, else `PREFIX/share/linbuild/presets.json` beside the installed binary.",
        "dockerfile": "Relative to the presets file unless absolute.",
        "platform": "Passed to every build and pull.",
        "skip-base": "Uses the readable tag as it is; exit 66 when the base is neither local nor in the registry.",
        "no-cache": "Base builds only: reuse nothing from BuildKit's cache.",
        "pull": "Base builds only: pull newer `FROM` images.",
        "keep-going": "Nothing is pushed either way.",
        "allow-incomplete-source": "A warning names the submodules and LFS files left out.",
        "engine": "A name on `PATH` or a path; `podman` works too.",
        "context": "For remote engines.",
        "builder": "Remote or Kubernetes BuildKit.",
        "progress": "One of `auto`, `plain`, `tty`; without it BuildKit chooses (`auto`).",
        "gpus": "Passed to each check's container.",
        "network": "`host` reaches a mirror or proxy on the host's loopback.",
        "no-preflight": "Also `LINBUILD_NO_PREFLIGHT=1`.",
        "probe-timeout": "A build itself has no bound.",
        "dry-run": "Needs no engine, and no network for a local source.",
        "json":
            "Also with `--dry-run`; needs no engine (with buildx it asks `docker buildx inspect` for the BuildKit version, and does without), and no network for a local source.",
    ]
}
