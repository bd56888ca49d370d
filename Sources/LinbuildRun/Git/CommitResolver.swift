import Foundation
import LinbuildModel
import LinbuildProcess
import LinbuildSupport

/// Resolves `--branch` to one commit before anything is built: a branch (with slashes, or
/// remote-tracking), a tag, a full or short SHA. A URL is asked with `git ls-remote`, without
/// cloning. Names that match different commits are refused as ambiguous rather than guessed.
///
/// A local repository is asked with three git processes, two at once: `rev-parse` (its git folder
/// and top level), `config` (the origin's URL, for the source label) beside it, and one
/// `cat-file --batch-command` session (`GitObjects`) for the ref, then the commit's trees and small
/// blobs: what it holds besides tracked files (`SourceContents`) is found in the same session.
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
        case .url(let url):
            try withCommitTime(try resolveRemote(ref, url: url, location: location), url: url)
        }
    }

    /// A URL source's commit time: its commit object alone (depth 1, no trees or blobs) fetched
    /// into a throwaway bare repository, by the ref it was resolved through, as the export fetches it.
    private func withCommitTime(_ source: ResolvedSource, url: String) throws -> ResolvedSource {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("linbuild-commit-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let label = Redaction.stripped(url)
        _ = try git(["init", "-q", "--bare", scratch], timeout: 30)
        let fetch = try git(
            ["-C", scratch, "fetch", "-q", "--depth=1", "--filter=tree:0", "--no-tags", "--", url, source.refName ?? source.commit.sha],
            timeout: remoteTimeout)
        guard fetch.termination.succeeded else {
            let why = fetch.termination == .timedOut ? "no answer within \(Int(remoteTimeout)) s" : fetch.stderrSummary
            throw LinbuildError.gitFailed(repository: label, detail: "cannot fetch commit \(source.commit.short) to read its time: \(why)")
        }
        let object = try git(["-C", scratch, "cat-file", "commit", source.commit.sha], timeout: 30)
        var resolved = source
        resolved.commitTime = object.termination.succeeded ? ResolvedSource.committerTime(ofCommitObject: object.stdout) : nil
        guard resolved.commitTime != nil else {
            throw LinbuildError.gitFailed(
                repository: label,
                detail: "\(source.refName ?? source.commit.sha) fetched, but not as commit \(source.commit.short) (did it move?)")
        }
        return resolved
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
        // The origin's URL (the source label) is read beside everything else: git config is a
        // process of its own, and nothing needs its answer until the end.
        let origin = Background { [self] in Result { try originURL(of: repository) } }
        defer { _ = origin.value }
        // One rev-parse for the git folder and the top level. `git -C sub/folder archive` would
        // export only that folder while the tag names the whole commit: the top level is what gets
        // built. (A bare repository has no top level: git says so after printing the git folder.)
        let parsed = try git(["-C", repository, "rev-parse", "--absolute-git-dir", "--show-toplevel"], timeout: 30)
        let lines = parsed.stdoutText.split(separator: "\n").map(String.init)
        guard let gitDirectory = lines.first, !gitDirectory.isEmpty else {
            if parsed.stderrSummary.contains("not a git repository") { throw LinbuildError.notARepository(repository) }
            throw LinbuildError.gitFailed(repository: repository, detail: parsed.stderrSummary)
        }
        if parsed.termination.succeeded, lines.count > 1, lines[1] != repository {
            return try resolveLocal(ref, repository: lines[1], location: .path(lines[1]))
        }
        let objects = try GitObjects(repository: repository, runner: runner, timeout: 30)
        let commit: CommitID, refName: String?
        if let match = try match(ref, in: objects) {
            guard match.isCommit else {
                throw LinbuildError.notACommit(repository: repository, ref: ref, refName: match.name, type: match.type)
            }
            if Self.looksLikeSHA(ref), !ref.hasPrefix("refs/") {
                try refuseShortSHAClash(ref, named: match.name, commit: match.commit, repository: repository)
            }
            (commit, refName) = (match.commit, match.name)
        } else {
            guard Self.looksLikeSHA(ref) || ref == "HEAD" else { throw LinbuildError.unknownRef(repository: repository, ref: ref) }
            switch try objects.info([ref + "^{commit}"]).first {
            case .object(let sha, _, _)? where CommitID(sha) != nil:
                (commit, refName) = (CommitID(sha)!, nil)
            case .ambiguous?:
                throw LinbuildError.ambiguousRef(repository: repository, ref: ref, candidates: ["several commits starting with \(ref)"])
            default:
                throw LinbuildError.unknownRef(repository: repository, ref: ref)
            }
        }
        var resolved = ResolvedSource(
            location: location, ref: ref, refName: refName, commit: commit, sourceLabel: try origin.value.get() ?? repository)
        // The commit's time (SOURCE_DATE_EPOCH), from the same session.
        if let answer = try objects.contents([commit.sha]).first, case .object = answer.info {
            resolved.commitTime = ResolvedSource.committerTime(ofCommitObject: answer.bytes)
        }
        resolved.contents = try SourceContents.inspect(objects, commit: commit.sha, gitDirectory: gitDirectory, runner: runner)
        return resolved
    }

    /// git's own lookup order for `ref` (`refs/R`, tags, heads, remotes), each name peeled to what
    /// it finally names, refusing names that reach different commits. When nothing matches, a branch
    /// that exists only on one remote (`origin/feat/x` for `feat/x`, as in a CI clone) is taken, as
    /// `git checkout` would: only then are the remote-tracking refs listed (one for-each-ref).
    private func match(_ ref: String, in objects: GitObjects) throws -> Ref? {
        let candidates = Self.candidates(for: ref, remoteTracking: true)
        var refs = try peeled(candidates, in: objects)
        if refs.isEmpty, ref != "HEAD", !ref.hasPrefix("refs/") {
            let listing = try git(
                [
                    "-C", objects.repository, "for-each-ref",
                    "--format=%(objectname) %(*objectname) %(objecttype) %(*objecttype) %(refname)", "refs/remotes/",
                ], timeout: 30)
            refs = try peeled(Self.parseForEachRef(listing.stdoutText).map(\.name).filter { Self.isRemoteCopy($0, of: ref) }, in: objects)
        }
        return try Self.unambiguous(ref, refs, repository: objects.repository)
    }

    /// The names that exist, each with the object it finally names (`^{}` peels a tag on a tag too).
    private func peeled(_ names: [String], in objects: GitObjects) throws -> [Ref] {
        zip(names, try objects.info(names.map { $0 + "^{}" })).compactMap { name, info in
            guard case .object(let sha, let type, _) = info, let id = CommitID(sha) else { return nil }
            return Ref(name: name, commit: id, type: type)
        }
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
        if let match = try Self.match(ref, in: refs, repository: label) {
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

    /// One ref and the object it finally names (tags peeled).
    struct Ref: Equatable {
        var name: String
        var commit: CommitID
        /// What that object is: a commit, or (a tag on a tree or a blob) nothing to build.
        var type = "commit"

        var isCommit: Bool { type == "commit" }
    }

    static func parseForEachRef(_ text: String) -> [Ref] {
        text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", maxSplits: 4, omittingEmptySubsequences: false)
            guard fields.count == 5 else { return nil }
            let (peeled, type) = fields[1].isEmpty ? (fields[0], fields[2]) : (fields[1], fields[3])
            return CommitID(String(peeled)).map { Ref(name: String(fields[4]), commit: $0, type: String(type)) }
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

    /// The names git would read `ref` as, in its lookup order (`refs/R`, tags, heads, and for a
    /// clone the remote-tracking ones): a full ref name stands for itself. A local `HEAD` is not a
    /// ref name here (it is resolved as a revision); `ls-remote` lists the remote's default branch
    /// as a bare `HEAD`.
    static func candidates(for ref: String, remoteTracking: Bool) -> [String] {
        if ref.hasPrefix("refs/") { return [ref] }
        if ref == "HEAD" { return remoteTracking ? [] : ["HEAD"] }
        return ["refs/\(ref)", "refs/tags/\(ref)", "refs/heads/\(ref)"]
            + (remoteTracking ? ["refs/remotes/\(ref)", "refs/remotes/\(ref)/HEAD"] : [])
    }

    /// `refs/remotes/<remote>/<ref>`: one remote's copy of the branch `ref`.
    static func isRemoteCopy(_ name: String, of ref: String) -> Bool {
        name.hasPrefix("refs/remotes/") && name.hasSuffix("/\(ref)")
            && name.dropFirst("refs/remotes/".count).split(separator: "/").count == ref.split(separator: "/").count + 1
    }

    /// The match among `matches` (reported by name, in for-each-ref's order), or an ambiguity
    /// error when they name different objects.
    static func unambiguous(_ ref: String, _ matches: [Ref], repository: String) throws -> Ref? {
        let matches = matches.sorted { $0.name < $1.name }
        guard let first = matches.first else { return nil }
        if matches.contains(where: { $0.commit != first.commit }) {
            throw LinbuildError.ambiguousRef(repository: repository, ref: ref, candidates: matches.map(\.name))
        }
        return first
    }

    /// The ref `ls-remote` listed for `ref`, by git's lookup order.
    static func match(_ ref: String, in refs: [Ref], repository: String) throws -> Ref? {
        let candidates = candidates(for: ref, remoteTracking: false)
        return try unambiguous(ref, refs.filter { candidates.contains($0.name) }, repository: repository)
    }

    static func looksLikeSHA(_ ref: String) -> Bool {
        (4...40).contains(ref.count) && ref.unicodeScalars.allSatisfy(\.properties.isASCIIHexDigit)
    }
}
