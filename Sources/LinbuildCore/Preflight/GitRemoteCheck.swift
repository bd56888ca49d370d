import Foundation

/// Whether a git remote has a tag or commit, with `git ls-remote`: one bounded process (its
/// process group is killed at the timeout), no clone, no credentials prompt.
enum GitRemoteCheck {
    enum Answer: Equatable, Sendable {
        /// `refs/tags/v3.0.0b3` → SHA, for every ref the remote advertises.
        case refs([String: String])
        case unknown(String)
    }

    static func refs(of url: String, runner: ProcessRunning, timeout: Double) -> Answer {
        // `--` keeps a URL that starts with a dash from being read as an option.
        let command = Command("git", ["ls-remote", "--", url], environment: ["GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "/bin/false"])
        let output: CapturedOutput
        do {
            output = try runner.capture(command, timeout: timeout, limit: 4 << 20)
        } catch {
            return .unknown("\(error)")
        }
        guard output.termination.succeeded else {
            if output.termination == .timedOut { return .unknown("git ls-remote \(url) did not answer within \(Int(timeout)) s") }
            return .unknown("git ls-remote \(url): \(output.stderrSummary.isEmpty ? "\(output.termination)" : output.stderrSummary)")
        }
        var refs: [String: String] = [:]
        for line in output.stdoutText.split(separator: "\n") {
            let fields = line.split(separator: "\t", maxSplits: 1)
            if fields.count == 2 { refs[String(fields[1])] = String(fields[0]) }
        }
        return .refs(refs)
    }

    static func judge(_ ref: PreflightTargets.GitRef, refs answer: Answer, arch: String) -> PreflightResult {
        let input = "\(ref.project) \(ref.ref)"
        guard case .refs(let refs) = answer else {
            if case .unknown(let why) = answer { return .init(arch: arch, input: input, answer: .unknown(why)) }
            return .init(arch: arch, input: input, answer: .unknown("no answer"))
        }
        let isCommit = ref.ref.count == 40 && ref.ref.allSatisfy(\.isHexDigit)
        if isCommit {
            if refs.values.contains(ref.ref.lowercased()) { return .init(arch: arch, input: input, answer: .present("a ref of \(ref.url) points at it")) }
            // ls-remote shows only the commits refs point at; an older commit may still exist.
            return .init(arch: arch, input: input, answer: .unknown("no ref of \(ref.url) points at it (ls-remote cannot see older commits)"))
        }
        if let sha = refs["refs/tags/\(ref.ref)"] ?? refs["refs/heads/\(ref.ref)"] {
            return .init(arch: arch, input: input, answer: .present("at \(sha.prefix(12))"))
        }
        let tags = refs.keys.filter { $0.hasPrefix("refs/tags/") && !$0.hasSuffix("^{}") }.map { String($0.dropFirst("refs/tags/".count)) }
        let wanted = ref.ref.hasPrefix("v") ? String(ref.ref.dropFirst()) : ref.ref
        let near = PackageVersion.nearest(to: wanted, among: tags.map { $0.hasPrefix("v") ? String($0.dropFirst()) : $0 })
        let hint = near.isEmpty ? "it has no version tags" : "it has tags " + near.map { "v" + $0 }.joined(separator: ", ")
        return .init(arch: arch, input: input, answer: .absent("\(ref.url) has no tag or branch \(ref.ref); \(hint)"))
    }
}
