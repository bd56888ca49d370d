/// What each exit code means, in the words `--help` and the reference page use: the one list
/// both print, so neither can name a code the binary does not return.
extension ExitCode {
    public var meaning: String {
        switch self {
        case .success: "ok"
        case .failure: "build or push failed"
        case .drifted: "outdated found drift"
        case .usage: "bad usage"
        case .dataError: "bad presets or Dockerfile"
        case .noInput: "missing file, repository or ref"
        case .unavailable: "engine or registry unavailable"
        case .interrupted: "interrupted (SIGINT, Ctrl-C)"
        case .terminated: "interrupted (SIGTERM)"
        }
    }

    /// `0 ok, 1 build or push failed, …, 130/143 interrupted`: codes with the same meaning share an entry.
    public static var oneLineSummary: String {
        var entries: [(codes: [Int32], meaning: String)] = []
        for code in allCases {
            let short = code.meaning.split(separator: " (").first.map(String.init) ?? code.meaning
            if entries.last?.meaning == short {
                entries[entries.count - 1].codes.append(code.rawValue)
            } else {
                entries.append(([code.rawValue], short))
            }
        }
        return entries.map { $0.codes.map(String.init).joined(separator: "/") + " " + $0.meaning }.joined(separator: ", ")
    }

    /// The long form, for the reference page.
    public var details: String {
        switch self {
        case .success: "success"
        case .failure: "a build or push failed (the summary says what was pushed and what was not), or a `validate` check failed"
        case .drifted:
            "`outdated` only: an upstream drifted (a locked or built-from digest differs from what its tag names now, a tag is gone, a locked digest or wheel is gone or changed) or a newer patch release of a pinned torch or CUDA line exists"
        case .usage: "bad usage: unknown option (with a suggestion), missing or malformed value, unknown arch"
        case .dataError:
            "bad data: `presets.json` or the Dockerfile breaks its contract (file, entry or line, field), preflight found an input upstream lacks (with the nearest versions it has), the commit has submodules or LFS files that cannot be included, the registry's image under a base's immutable tag records other inputs than the tag names, or the lock (`presets.lock.json`) is malformed, no longer fits what the build pulls, or pins a digest its registry no longer has"
        case .noInput:
            "missing input: a file (or a file where a folder belongs), the source repository, or the ref in it (unknown, ambiguous, or a tag on a tree or blob), or git could not reach or export it; `--skip-base` with the base neither local nor in the registry"
        case .unavailable:
            "the engine or the registry cannot be reached or asked (also when the engine stops answering during a build or push), the engine CLI is not installed, or it has no BuildKit"
        case .interrupted: "interrupted by SIGINT (Ctrl-C)"
        case .terminated: "interrupted by SIGTERM"
        }
    }
}
