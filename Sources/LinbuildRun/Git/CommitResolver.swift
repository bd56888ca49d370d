import Foundation
import LinbuildModel
import LinbuildProcess
import LinbuildSupport

/// Resolves `--branch` to one commit before anything is built: a branch (with slashes, or
/// remote-tracking), a tag, a full or short SHA. A URL is asked with `git ls-remote`, without
/// cloning. Names that match different commits are refused as ambiguous rather than guessed.
public struct CommitResolver: Sendable {
    public var runner: ProcessRunning
    /// `ls-remote` over a network; local git answers in milliseconds.
    public var remoteTimeout: Double

    public init(runner: ProcessRunning, remoteTimeout: Double = 60) {
        self.runner = runner
        self.remoteTimeout = remoteTimeout
    }

    public func resolve(_ ref: String, in location: SourceLocation) throws -> ResolvedSource {
        switch location {
        case .path(let path): try resolveLocal(ref, repository: Paths.absolute(path), location: location)
        case .url(let url): try resolveRemote(ref, url: url, location: location)
        }
    }

    private func git(_ arguments: [String], timeout: Double) throws -> CapturedOutput {
        do {
            return try runner.capture(Command("git", arguments, environment: GitSettings.environment), timeout: timeout)
        } catch let failure as LaunchFailure {
            throw failure.error(fix: "install it: apt-get install git")
        }
    }

    private func resolveLocal(_ ref: String, repository: String, location: SourceLocation) throws -> ResolvedSource {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: repository, isDirectory: &isDirectory) else {
            throw LinbuildError.missingFile(repository, what: "source repository")
        }
        guard isDirectory.boolValue else {
            throw LinbuildError.wrongKind(
                "source repository \(repository) is a file, not a folder (pass the clone's folder or a git URL with --source)")
        }
        // `git -C sub/folder archive` would export only that folder while the tag names the whole
        // commit: the repository's top level is what gets built.
        let topLevel = try git(["-C", repository, "rev-parse", "--show-toplevel"], timeout: 30)
        let top = topLevel.stdoutText.trimmingCharacters(in: .newlines)
        if topLevel.termination.succeeded, !top.isEmpty, top != repository {
            return try resolveLocal(ref, repository: top, location: .path(top))
        }
        let listing = try git(
            ["-C", repository, "for-each-ref", "--format=%(objectname) %(*objectname) %(objecttype) %(*objecttype) %(refname)"], timeout: 30
        )
        guard listing.termination.succeeded else {
            if listing.stderrSummary.contains("not a git repository") { throw LinbuildError.notARepository(repository) }
            throw LinbuildError.gitFailed(repository: repository, detail: listing.stderrSummary)
        }
        let refs = Self.parseForEachRef(listing.stdoutText)
        let label = try originURL(of: repository) ?? repository
        if let match = try Self.match(ref, in: refs, repository: repository, remoteTracking: true) {
            let commit = try peeled(match, ref: ref, repository: repository)
            if Self.looksLikeSHA(ref), !ref.hasPrefix("refs/") {
                try refuseShortSHAClash(ref, named: match.name, commit: commit, repository: repository)
            }
            return ResolvedSource(location: location, ref: ref, refName: match.name, commit: commit, sourceLabel: label)
        }
        guard Self.looksLikeSHA(ref) || ref == "HEAD" else { throw LinbuildError.unknownRef(repository: repository, ref: ref) }
        let parsed = try git(["-C", repository, "rev-parse", "--verify", "--quiet", "\(ref)^{commit}"], timeout: 30)
        guard parsed.termination.succeeded, let commit = CommitID(parsed.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            if String(decoding: parsed.stderr, as: UTF8.self).contains("ambiguous") {
                throw LinbuildError.ambiguousRef(repository: repository, ref: ref, candidates: ["several commits starting with \(ref)"])
            }
            throw LinbuildError.unknownRef(repository: repository, ref: ref)
        }
        return ResolvedSource(location: location, ref: ref, refName: nil, commit: commit, sourceLabel: label)
    }

    /// The commit a ref finally names: `for-each-ref` peels a tag only once, so a tag on a tag
    /// would give the inner tag object. A tag on a tree or a blob has no commit to build.
    private func peeled(_ match: Ref, ref: String, repository: String) throws -> CommitID {
        // A branch, or a tag on a commit, was already peeled by `for-each-ref`: no second git call.
        if match.isCommit { return match.commit }
        let parsed = try git(["-C", repository, "rev-parse", "--verify", "--quiet", "\(match.name)^{commit}"], timeout: 30)
        if parsed.termination.succeeded, let commit = CommitID(parsed.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)) {
            return commit
        }
        let type = try git(["-C", repository, "cat-file", "-t", "\(match.name)^{}"], timeout: 30).stdoutText
            .trimmingCharacters(in: .whitespacesAndNewlines)
        throw LinbuildError.notACommit(repository: repository, ref: ref, refName: match.name, type: type.isEmpty ? "object" : type)
    }

    /// `abc1234` may be a branch and the start of another commit's SHA: git would warn and pick
    /// the branch; linbuild refuses, naming both.
    private func refuseShortSHAClash(_ ref: String, named name: String, commit: CommitID, repository: String) throws {
        let listed = try git(["-C", repository, "rev-parse", "--disambiguate=\(ref.lowercased())"], timeout: 30)
        guard listed.termination.succeeded else { return }
        let others = listed.stdoutText.split(whereSeparator: \.isNewline).map(String.init).filter { $0 != commit.sha }
        for other in others {
            let parsed = try git(["-C", repository, "rev-parse", "--verify", "--quiet", "\(other)^{commit}"], timeout: 30)
            guard parsed.termination.succeeded, let found = CommitID(parsed.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)),
                found != commit
            else { continue }
            throw LinbuildError.ambiguousRef(repository: repository, ref: ref, candidates: [name, "commit \(found.sha)"])
        }
    }

    private func originURL(of repository: String) throws -> String? {
        let output = try git(["-C", repository, "config", "--get", "remote.origin.url"], timeout: 30)
        let url = output.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
        // A URL with credentials in it must not end up in a label.
        guard output.termination.succeeded, !url.isEmpty, !Self.hasCredentials(url) else { return nil }
        return url
    }

    static func hasCredentials(_ url: String) -> Bool { Redaction.hasCredentials(url) }

    private func resolveRemote(_ ref: String, url: String, location: SourceLocation) throws -> ResolvedSource {
        let label = Redaction.stripped(url)
        if let commit = CommitID(ref) {
            return ResolvedSource(location: location, ref: ref, refName: nil, commit: commit, sourceLabel: label)
        }
        let listing = try git(["ls-remote", "--", url], timeout: remoteTimeout)
        switch listing.termination {
        case .timedOut:
            throw LinbuildError.gitFailed(
                repository: label, detail: "git ls-remote did not answer within \(Int(remoteTimeout)) s; check the network or the URL")
        case .exited(0):
            break
        default:
            let detail = listing.stderrSummary.isEmpty ? "\(listing.termination)" : listing.stderrSummary
            // git ends with "Could not read from remote repository"; ssh's own line says why.
            let cause = Self.transportCause(listing.stderr).map { "\($0); " } ?? ""
            throw LinbuildError.gitFailed(repository: label, detail: "\(cause)\(detail) (check the URL and your access)")
        }
        let refs = Self.parseLsRemote(listing.stdoutText)
        if let match = try Self.match(ref, in: refs, repository: label, remoteTracking: false) {
            return ResolvedSource(location: location, ref: ref, refName: match.name, commit: match.commit, sourceLabel: label)
        }
        if Self.looksLikeSHA(ref) {
            throw LinbuildError.usage(
                "--branch \(ref): a short SHA cannot be resolved against a URL without cloning; pass the full 40-hex SHA, a branch or a tag"
            )
        }
        throw LinbuildError.unknownRef(repository: label, ref: ref)
    }

    /// The branch a repository's HEAD names (a clone's checked-out branch; a remote's default
    /// branch), for the hint when the presets' default branch is not there.
    public func headBranch(of location: SourceLocation) -> String? {
        switch location {
        case .path(let path):
            guard let head = try? git(["-C", Paths.absolute(path), "symbolic-ref", "--quiet", "--short", "HEAD"], timeout: 30),
                head.termination.succeeded
            else { return nil }
            let branch = head.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
            return branch.isEmpty ? nil : branch
        case .url(let url):
            guard let listing = try? git(["ls-remote", "--symref", "--", url, "HEAD"], timeout: remoteTimeout),
                listing.termination.succeeded
            else { return nil }
            // `ref: refs/heads/master<TAB>HEAD`
            return listing.stdoutText.split(separator: "\n").first { $0.hasPrefix("ref: refs/heads/") && $0.hasSuffix("\tHEAD") }
                .map { String($0.dropFirst("ref: refs/heads/".count).dropLast("\tHEAD".count)) }
        }
    }

    /// The ssh (or connection) line of git's stderr: the reason, where git's own last line is not.
    static func transportCause(_ stderr: [UInt8]) -> String? {
        String(decoding: stderr, as: UTF8.self).split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .first { line in
                line.hasPrefix("ssh:") || line.contains("Could not resolve hostname") || line.contains("Permission denied (")
                    || line.contains("Host key verification failed") || line.contains("Connection refused")
                    || line.contains("Connection timed out")
            }
    }

    /// One ref and the commit it points to (tags peeled).
    struct Ref: Equatable {
        var name: String
        var commit: CommitID
        /// `for-each-ref` said `commit` is a commit (a branch, or a tag peeled once onto one);
        /// otherwise (a tag on a tag, on a tree; `ls-remote`) `peeled` asks git.
        var isCommit = false
    }

    static func parseForEachRef(_ text: String) -> [Ref] {
        text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", maxSplits: 4, omittingEmptySubsequences: false)
            guard fields.count == 5 else { return nil }
            let (peeled, type) = fields[1].isEmpty ? (fields[0], fields[2]) : (fields[1], fields[3])
            return CommitID(String(peeled)).map { Ref(name: String(fields[4]), commit: $0, isCommit: type == "commit") }
        }
    }

    static func parseLsRemote(_ text: String) -> [Ref] {
        var refs: [String: CommitID] = [:]
        var order: [String] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "\t", maxSplits: 1)
            guard fields.count == 2, let commit = CommitID(String(fields[0])) else { continue }
            var name = String(fields[1])
            let peeled = name.hasSuffix("^{}")
            if peeled { name.removeLast(3) }
            if refs[name] == nil { order.append(name) }
            if peeled || refs[name] == nil { refs[name] = commit }
        }
        return order.map { Ref(name: $0, commit: refs[$0]!) }
    }

    /// git's own lookup order (`refs/R`, tags, heads, remotes), refusing names that reach
    /// different commits. When nothing matches, a branch that exists only on one remote
    /// (`origin/feat/x` for `feat/x`, as in a CI clone) is taken, as `git checkout` would.
    static func match(_ ref: String, in refs: [Ref], repository: String, remoteTracking: Bool) throws -> Ref? {
        let exact =
            ["refs/\(ref)", "refs/tags/\(ref)", "refs/heads/\(ref)"]
            + (remoteTracking ? ["refs/remotes/\(ref)", "refs/remotes/\(ref)/HEAD"] : [])
        // ls-remote lists the remote's default branch as a bare `HEAD`
        let candidates = ref.hasPrefix("refs/") ? [ref] : ref == "HEAD" ? ["HEAD"] : exact
        var matches = refs.filter { candidates.contains($0.name) }
        if matches.isEmpty, remoteTracking {
            matches = refs.filter {
                $0.name.hasPrefix("refs/remotes/") && $0.name.hasSuffix("/\(ref)")
                    && $0.name.dropFirst("refs/remotes/".count).split(separator: "/").count == ref.split(separator: "/").count + 1
            }
        }
        guard let first = matches.first else { return nil }
        if matches.contains(where: { $0.commit != first.commit }) {
            throw LinbuildError.ambiguousRef(repository: repository, ref: ref, candidates: matches.map(\.name))
        }
        return first
    }

    static func looksLikeSHA(_ ref: String) -> Bool {
        (4...40).contains(ref.count) && ref.unicodeScalars.allSatisfy(\.properties.isASCIIHexDigit)
    }
}
