import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

@testable import LinbuildModel
@testable import LinbuildProcess
@testable import LinbuildRun
@testable import LinbuildSupport

/// `--branch` against real git repositories made in temporary folders.
@Suite(.timeLimit(.minutes(5))) struct CommitResolverTests {
    /// An origin with two commits, slashed branches and both kinds of tag, and a clone of it.
    struct Fixture {
        let scratch: Scratch
        var origin: String { scratch.path + "/origin" }
        var clone: String { scratch.path + "/clone" }
        let first: String, second: String

        init() throws {
            scratch = try Scratch("git")
            let origin = scratch.path + "/origin"
            first = try Git.repository(at: origin)
            try Git.run(origin, "tag", "v1")
            try Git.run(origin, "tag", "-a", "v1-annotated", "-m", "annotated")
            second = try Git.commit(in: origin, text: "two\n")
            try Git.run(origin, "branch", "feat/x", first)
            try Git.run(origin, "branch", "feat/deep/x", first)
            try Git.run(scratch.path, "clone", "-q", origin, scratch.path + "/clone")
            // Made after the clone: it exists in the clone only as origin/…, after a fetch
            try Git.run(origin, "branch", "only-on-origin/y", first)
            try Git.run(scratch.path + "/clone", "fetch", "-q", "origin")
        }
    }

    /// Runs commands for real and remembers them, to prove what the resolver asked git.
    final class RecordingRunner: ProcessRunning, @unchecked Sendable {
        let real = FoundationProcessRunner()
        private let lock = NSLock()
        private var recorded: [Command] = []
        var commands: [Command] { lock.withLock { recorded } }

        func capture(_ command: Command, timeout: Double?, limit: Int) throws -> CapturedOutput {
            lock.withLock { recorded.append(command) }
            return try real.capture(command, timeout: timeout, limit: limit)
        }

        func stream(_ command: Command, to sink: OutputSink) throws -> Termination {
            lock.withLock { recorded.append(command) }
            return try real.stream(command, to: sink)
        }

        /// One child for the whole session, as the default runner keeps it: recorded once.
        func session(_ command: Command, timeout: Double) throws -> ProcessSession {
            lock.withLock { recorded.append(command) }
            return try SpawnProcessRunner().session(command, timeout: timeout)
        }
    }

    let resolver = CommitResolver(runner: FoundationProcessRunner())

    @Test func branchesTagsAndSHAsResolveToTheirCommit() throws {
        let fixture = try Fixture()
        defer { fixture.scratch.remove() }
        let cases: [(ref: String, commit: String, refName: String?)] = [
            ("main", fixture.second, "refs/heads/main"),
            ("feat/x", fixture.first, "refs/heads/feat/x"),
            ("feat/deep/x", fixture.first, "refs/heads/feat/deep/x"),
            ("refs/heads/feat/deep/x", fixture.first, "refs/heads/feat/deep/x"),
            ("v1", fixture.first, "refs/tags/v1"),
            ("v1-annotated", fixture.first, "refs/tags/v1-annotated"),
            (fixture.first, fixture.first, nil),
            (fixture.first.uppercased(), fixture.first, nil),
            (String(fixture.first.prefix(7)), fixture.first, nil),
            ("HEAD", fixture.second, nil),
        ]
        for (ref, commit, refName) in cases {
            // WHEN the ref is resolved in the origin
            let resolved = try resolver.resolve(ref, in: .path(fixture.origin))
            // THEN it names the commit git itself names, and keeps what the user wrote
            #expect(resolved.commit.sha == commit, "\(ref)")
            #expect(resolved.refName == refName, "\(ref)")
            #expect(resolved.ref == ref)
            #expect(resolved.sourceLabel == fixture.origin)
            // and its committer time, as git itself reads it (SOURCE_DATE_EPOCH)
            #expect(resolved.commitTime.map(String.init) == (try Git.run(fixture.origin, "log", "-1", "--format=%ct", commit)), "\(ref)")
        }
    }

    @Test func anAnnotatedTagIsPeeledToItsCommit() throws {
        let fixture = try Fixture()
        defer { fixture.scratch.remove() }
        let tagObject = try Git.run(fixture.origin, "rev-parse", "v1-annotated")
        let resolved = try resolver.resolve("v1-annotated", in: .path(fixture.origin))
        #expect(tagObject != fixture.first)
        #expect(resolved.commit.sha == fixture.first)
        #expect(try resolver.resolve("v1-annotated", in: .url("file://" + fixture.origin)).commit.sha == fixture.first)
    }

    @Test func aRelativePathIsTheRepositoryBelowTheCurrentFolder() throws {
        let fixture = try Fixture()
        defer { fixture.scratch.remove() }
        let relative = fixture.origin + "/../origin/."
        #expect(try resolver.resolve("main", in: .path(relative)).commit.sha == fixture.second)
    }

    @Test func remoteTrackingBranchesResolveInAClone() throws {
        let fixture = try Fixture()
        defer { fixture.scratch.remove() }
        // GIVEN a clone, whose only local branch is main
        #expect(try Git.run(fixture.clone, "branch", "--list", "feat/*").isEmpty)
        // WHEN origin/feat/x is asked for, THEN the remote-tracking ref answers
        let tracking = try resolver.resolve("origin/feat/x", in: .path(fixture.clone))
        #expect(tracking.commit.sha == fixture.first)
        #expect(tracking.refName == "refs/remotes/origin/feat/x")
        // WHEN only feat/x is asked for, THEN the one remote branch of that name answers, as git checkout would
        let dwim = try resolver.resolve("feat/x", in: .path(fixture.clone))
        #expect(dwim.commit.sha == fixture.first)
        #expect(dwim.refName == "refs/remotes/origin/feat/x")
        #expect(try resolver.resolve("only-on-origin/y", in: .path(fixture.clone)).refName == "refs/remotes/origin/only-on-origin/y")
        // AND the label is the origin URL, not the clone's folder
        #expect(dwim.sourceLabel == fixture.origin)
    }

    @Test func aLocalBranchWinsOverTheRemoteOneOfTheSameName() throws {
        let fixture = try Fixture()
        defer { fixture.scratch.remove() }
        // GIVEN main in the clone moved back to the first commit, while origin/main is the second
        try Git.run(fixture.clone, "reset", "-q", "--hard", fixture.first)
        let resolved = try resolver.resolve("main", in: .path(fixture.clone))
        #expect(resolved.commit.sha == fixture.first)
        #expect(resolved.refName == "refs/heads/main")
    }

    @Test func unknownRefNamesRepositoryAndRef() throws {
        let fixture = try Fixture()
        defer { fixture.scratch.remove() }
        for ref in ["nope", "feat/nope", "deadbeef", String(repeating: "0", count: 40)] {
            let error = try #require(throws: LinbuildError.self) { try resolver.resolve(ref, in: .path(fixture.origin)) }
            #expect(error == .unknownRef(repository: fixture.origin, ref: ref))
            #expect(error.exitCode == .noInput && error.exitCode.rawValue == 66)
            #expect(error.description.contains(fixture.origin) && error.description.contains("'\(ref)'"))
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func aNameOnTwoDifferentCommitsIsAmbiguous() throws {
        let fixture = try Fixture()
        defer { fixture.scratch.remove() }
        // GIVEN a tag and a branch called twin, on different commits
        try Git.run(fixture.origin, "tag", "twin", fixture.first)
        try Git.run(fixture.origin, "branch", "twin", fixture.second)
        // WHEN twin is resolved, THEN linbuild refuses to guess
        let error = try #require(throws: LinbuildError.self) { try resolver.resolve("twin", in: .path(fixture.origin)) }
        #expect(error == .ambiguousRef(repository: fixture.origin, ref: "twin", candidates: ["refs/heads/twin", "refs/tags/twin"]))
        #expect(error.exitCode == .noInput)
        #expect(error.description.contains("pass the full ref"))
        #expect(!error.description.contains("\n"))
        // AND the full ref names are not ambiguous
        #expect(try resolver.resolve("refs/tags/twin", in: .path(fixture.origin)).commit.sha == fixture.first)
        #expect(try resolver.resolve("refs/heads/twin", in: .path(fixture.origin)).commit.sha == fixture.second)
    }

    @Test func aNameOnTheSameCommitTwiceIsNotAmbiguous() throws {
        let fixture = try Fixture()
        defer { fixture.scratch.remove() }
        try Git.run(fixture.origin, "tag", "same", fixture.second)
        try Git.run(fixture.origin, "branch", "same", fixture.second)
        #expect(try resolver.resolve("same", in: .path(fixture.origin)).commit.sha == fixture.second)
    }

    @Test func missingPathAndNonRepositoryAreNoInput() throws {
        let scratch = try Scratch("git")
        defer { scratch.remove() }
        let absent = scratch.path + "/absent"
        let missing = try #require(throws: LinbuildError.self) { try resolver.resolve("main", in: .path(absent)) }
        #expect(missing == .missingFile(absent, what: "source repository"))
        #expect(missing.exitCode == .noInput)
        let plain = scratch.path + "/plain"
        try FileManager.default.createDirectory(atPath: plain, withIntermediateDirectories: true)
        let notRepository = try #require(throws: LinbuildError.self) { try resolver.resolve("main", in: .path(plain)) }
        #expect(notRepository == .notARepository(plain))
        #expect(notRepository.exitCode == .noInput)
        #expect(notRepository.description.contains(plain))
        let file = try scratch.write("file", "x")
        // a file where the repository folder belongs is named as such, still exit 66
        let notFolder = try #require(throws: LinbuildError.self) { try resolver.resolve("main", in: .path(file)) }
        #expect(notFolder.description.contains("is a file, not a folder"))
        #expect(notFolder.exitCode == .noInput)
    }

    @Test func aFileURLIsAskedWithLsRemoteAndOneCommitObjectWithoutCloning() throws {
        let fixture = try Fixture()
        defer { fixture.scratch.remove() }
        let url = "file://" + fixture.origin
        let recording = RecordingRunner()
        let resolver = CommitResolver(runner: recording)
        let before = try FileManager.default.contentsOfDirectory(atPath: fixture.scratch.path)
        let cases: [(ref: String, commit: String, refName: String?)] = [
            ("main", fixture.second, "refs/heads/main"),
            ("feat/deep/x", fixture.first, "refs/heads/feat/deep/x"),
            ("v1", fixture.first, "refs/tags/v1"),
            ("v1-annotated", fixture.first, "refs/tags/v1-annotated"),
            (fixture.first, fixture.first, nil),
            ("HEAD", fixture.second, "HEAD"),
        ]
        for (ref, commit, refName) in cases {
            let resolved = try resolver.resolve(ref, in: .url(url))
            #expect(resolved.commit.sha == commit, "\(ref)")
            #expect(resolved.refName == refName, "\(ref)")
            #expect(resolved.sourceLabel == url)
            // and its committer time, as git itself reads it (SOURCE_DATE_EPOCH)
            #expect(resolved.commitTime.map(String.init) == (try Git.run(fixture.origin, "log", "-1", "--format=%ct", commit)), "\(ref)")
        }
        // ls-remote ran, then, for the commit's time, a fetch of that commit alone (depth 1, no
        // trees) into a throwaway bare repository that is gone again: nothing was cloned anywhere
        let words = recording.commands.map { $0.arguments.first == "-C" ? Array($0.arguments.dropFirst(2)) : $0.arguments }
        #expect(words.contains { $0.first == "ls-remote" })
        let fetches = words.filter { $0.first == "fetch" }
        #expect(fetches.count == cases.count && fetches.allSatisfy { $0.contains("--depth=1") && $0.contains("--filter=tree:0") })
        #expect(words.allSatisfy { ["ls-remote", "init", "fetch", "cat-file"].contains($0.first ?? "") }, "\(words)")
        let scratches = recording.commands.compactMap { $0.arguments.first == "init" ? $0.arguments.last : nil }
        #expect(scratches.count == cases.count && scratches.allSatisfy { !FileManager.default.fileExists(atPath: $0) })
        #expect(recording.commands.allSatisfy { $0.environment["GIT_TERMINAL_PROMPT"] == "0" })
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.scratch.path) == before)
    }

    @Test func aFileURLWithAnUnknownRefOrNoRepositoryFailsClearly() throws {
        let fixture = try Fixture()
        defer { fixture.scratch.remove() }
        let url = "file://" + fixture.origin
        #expect(throws: LinbuildError.unknownRef(repository: url, ref: "nope")) { try resolver.resolve("nope", in: .url(url)) }
        // A short SHA cannot be looked up remotely: a usage error says what to pass instead
        let short = try #require(throws: LinbuildError.self) { try resolver.resolve(String(fixture.first.prefix(7)), in: .url(url)) }
        #expect(short.exitCode == .usage)
        #expect(short.description.contains("pass the full 40-hex SHA"))
        // A URL with no repository behind it
        let absent = "file://" + fixture.scratch.path + "/absent"
        let missing = try #require(throws: LinbuildError.self) { try resolver.resolve("main", in: .url(absent)) }
        guard case .gitFailed(let repository, let detail) = missing else { Issue.record("\(missing)"); return }
        #expect(repository == absent)
        // git's reason, not the advice lines it adds after it ("…and the repository exists.")
        #expect(detail.hasPrefix("fatal: "), "\(detail)")
        #expect(detail.contains("does not appear to be a git repository"), "\(detail)")
        #expect(missing.exitCode == .noInput)
        #expect(!missing.description.contains("\n"))
    }

    @Test func theSourceLocationTellsURLsFromPaths() {
        #expect(SourceLocation("https://example.com/r.git") == .url("https://example.com/r.git"))
        #expect(SourceLocation("file:///srv/r") == .url("file:///srv/r"))
        #expect(SourceLocation("git@example.com:org/r.git") == .url("git@example.com:org/r.git"))
        #expect(SourceLocation("/srv/r") == .path("/srv/r"))
        #expect(SourceLocation("../r") == .path("../r"))
        #expect(SourceLocation("./a@b:c") == .path("./a@b:c"))
        // git reads a colon before any slash as a remote, with or without a user
        #expect(SourceLocation("example.com:org/r.git") == .url("example.com:org/r.git"))
        #expect(SourceLocation("ext::sh -c x") == .url("ext::sh -c x"))
        #expect(SourceLocation("repo") == .path("repo"))
    }

    @Test func exportCommandsPutExactlyTheTrackedTreeInTheContext() throws {
        let fixture = try Fixture()
        defer { fixture.scratch.remove() }
        try "untracked\n".write(toFile: fixture.origin + "/untracked.bin", atomically: false, encoding: .utf8)
        let runner = FoundationProcessRunner()
        for location in [SourceLocation.path(fixture.origin), .url("file://" + fixture.origin)] {
            let resolved = try resolver.resolve("v1", in: location)
            let work = fixture.scratch.path + "/work-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: work + "/source", withIntermediateDirectories: true)
            for command in SourceExport.commands(for: resolved, into: work + "/source", scratch: work) {
                #expect(try runner.capture(command).termination == .exited(0), "\(command.shellLine)")
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: work + "/source") == ["file"])
            #expect(try String(contentsOfFile: work + "/source/file", encoding: .utf8) == "one\n")
        }
    }

    @Test func credentialsInAURLNeverBecomeALabel() throws {
        #expect(CommitResolver.hasCredentials("https://user:token@example.com/repo.git"))
        #expect(!CommitResolver.hasCredentials("https://example.com/repo.git"))
        #expect(!CommitResolver.hasCredentials("git@example.com:repo.git"))
        // GIVEN a clone whose origin URL carries a token
        let fixture = try Fixture()
        defer { fixture.scratch.remove() }
        try Git.run(fixture.clone, "remote", "set-url", "origin", "https://user:secret@example.com/r.git")
        // THEN the label falls back to the folder
        let resolved = try resolver.resolve("main", in: .path(fixture.clone))
        #expect(resolved.sourceLabel == fixture.clone)
        #expect(!resolved.sourceLabel.contains("secret"))
    }
}
