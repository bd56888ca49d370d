import Foundation
import LinbuildModel
import LinbuildProcess
import LinbuildSupport

/// Whether a git remote has a pinned commit (a fetch of just that commit): a bounded process (its
/// process group is killed at the timeout), no clone, no credentials prompt.
enum GitRemoteCheck {
    /// Whether the remote has commit `sha`: `ls-remote` shows only the commits refs point at, so
    /// the commit itself is fetched (depth 1, no trees or blobs) into a throwaway bare repository.
    static func commit(_ sha: String, in url: String, runner: ProcessRunning, timeout: Double) -> PreflightResult.Answer {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("linbuild-fetch-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let environment = ["GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "/bin/false"]
        // Credentials in the URL go as a header for its origin, as the build's clone sends them.
        let authorization = GitAuthorization(url: url)
        do {
            let initialised = try runner.capture(
                Command("git", ["init", "-q", "--bare", scratch], environment: environment), timeout: timeout)
            guard initialised.termination.succeeded else { return .unknown("git init failed: \(initialised.stderrSummary)") }
            let fetch = Command(
                "git", ["-C", scratch, "fetch", "-q", "--depth=1", "--filter=tree:0", "--", authorization?.url ?? url, sha],
                environment: environment.merging(authorization?.environment ?? [:]) { $1 })
            let output = try runner.capture(fetch, timeout: timeout, limit: 64 * 1024)
            if output.termination.succeeded { return .present("fetched it from \(url)") }
            if output.termination == .timedOut { return .unknown("git fetch \(url) did not answer within \(Int(timeout)) s") }
            let message = String(decoding: output.stderr, as: UTF8.self).lowercased()
            if message.contains("not our ref") || message.contains("couldn't find remote ref") || message.contains("no such remote ref")
                || message.contains("unadvertised object")
            {
                return .absent("\(url) has no commit \(sha) (check the pinned commit)")
            }
            return .unknown("git fetch \(url): \(output.stderrSummary)")
        } catch {
            return .unknown("\(error)")
        }
    }
}
