import Foundation

/// Whether a git remote has a tag (`git ls-remote`) or a commit (a fetch of just that commit):
/// bounded processes (their process group is killed at the timeout), no clone, no credentials prompt.
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

    static func isCommit(_ ref: String) -> Bool {
        ref.count == 40 && ref.allSatisfy(\.isHexDigit)
    }

    /// Whether the remote has commit `sha`: `ls-remote` shows only the commits refs point at, so
    /// the commit itself is fetched (depth 1, no trees or blobs) into a throwaway bare repository.
    static func commit(_ sha: String, in url: String, runner: ProcessRunning, timeout: Double) -> PreflightResult.Answer {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("linbuild-fetch-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let environment = ["GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "/bin/false"]
        do {
            let initialised = try runner.capture(Command("git", ["init", "-q", "--bare", scratch], environment: environment), timeout: timeout)
            guard initialised.termination.succeeded else { return .unknown("git init failed: \(initialised.stderrSummary)") }
            let fetch = Command("git", ["-C", scratch, "fetch", "-q", "--depth=1", "--filter=tree:0", "--", url, sha], environment: environment)
            let output = try runner.capture(fetch, timeout: timeout, limit: 64 * 1024)
            if output.termination.succeeded { return .present("fetched it from \(url)") }
            if output.termination == .timedOut { return .unknown("git fetch \(url) did not answer within \(Int(timeout)) s") }
            let message = String(decoding: output.stderr, as: UTF8.self).lowercased()
            if message.contains("not our ref") || message.contains("couldn't find remote ref") || message.contains("no such remote ref")
                || message.contains("unadvertised object") {
                return .absent("\(url) has no commit \(sha) (check the pinned commit)")
            }
            return .unknown("git fetch \(url): \(output.stderrSummary)")
        } catch {
            return .unknown("\(error)")
        }
    }

    static func judge(_ ref: PreflightTargets.GitRef, refs answer: Answer, arch: String) -> PreflightResult {
        let input = "\(ref.project) \(ref.ref)"
        guard case .refs(let refs) = answer else {
            if case .unknown(let why) = answer { return .init(arch: arch, input: input, answer: .unknown(why)) }
            return .init(arch: arch, input: input, answer: .unknown("no answer"))
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
