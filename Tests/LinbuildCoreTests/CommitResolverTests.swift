import Foundation
import Testing
import LinbuildTestSupport
@testable import LinbuildCore

/// `--branch` against real git repositories made in temporary folders.
@Suite struct CommitResolverTests {
    /// A repository with two commits, a slashed branch, tags, and a clone with remote-tracking refs.
    final class Repositories {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("linbuild-git-\(UUID().uuidString)").path
        var origin: String { root + "/origin" }
        var clone: String { root + "/clone" }
        var first = "", second = ""

        init() throws {
            try FileManager.default.createDirectory(atPath: origin, withIntermediateDirectories: true)
            try git(origin, "init", "-q", "-b", "main")
            try "one\n".write(toFile: origin + "/file", atomically: false, encoding: .utf8)
            try git(origin, "add", "file")
            try git(origin, "commit", "-q", "-m", "one")
            first = try git(origin, "rev-parse", "HEAD")
            try git(origin, "tag", "v1")
            try git(origin, "tag", "-a", "v1-annotated", "-m", "annotated")
            try "two\n".write(toFile: origin + "/file", atomically: false, encoding: .utf8)
            try git(origin, "commit", "-q", "-am", "two")
            second = try git(origin, "rev-parse", "HEAD")
            try git(origin, "branch", "feat/deep/x", first)
            try git(origin, "branch", "only-on-origin", first)
            try git(root, "clone", "-q", origin, clone)
        }

        @discardableResult
        func git(_ directory: String, _ arguments: String...) throws -> String {
            let result = try Run.command("git", ["-C", directory, "-c", "user.email=t@example.com", "-c", "user.name=t"] + arguments)
            guard result.status == 0 else { throw SandboxFailure(result.stderr) }
            return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        deinit { try? FileManager.default.removeItem(atPath: root) }
    }

    struct SandboxFailure: Error { var message: String; init(_ message: String) { self.message = message } }

    let resolver = CommitResolver(runner: FoundationProcessRunner())

    @Test func branchesTagsAndSHAsResolveToTheirCommit() throws {
        let repos = try Repositories()
        let cases: [(String, String)] = [
            ("main", repos.second), ("feat/deep/x", repos.first), ("v1", repos.first), ("v1-annotated", repos.first),
            (repos.first, repos.first), (String(repos.first.prefix(7)), repos.first), ("HEAD", repos.second),
            ("refs/heads/feat/deep/x", repos.first),
        ]
        for (ref, expected) in cases {
            let resolved = try resolver.resolve(ref, in: .path(repos.origin))
            #expect(resolved.commit.sha == expected, "\(ref)")
            #expect(resolved.ref == ref)
        }
    }

    @Test func remoteTrackingBranchesResolveInAClone() throws {
        let repos = try Repositories()
        #expect(try resolver.resolve("origin/feat/deep/x", in: .path(repos.clone)).commit.sha == repos.first)
        // A branch that exists only as origin/only-on-origin, as in a CI clone
        let dwim = try resolver.resolve("only-on-origin", in: .path(repos.clone))
        #expect(dwim.commit.sha == repos.first)
        #expect(dwim.refName == "refs/remotes/origin/only-on-origin")
        // The label is the origin URL, not the clone's folder
        #expect(dwim.sourceLabel == repos.origin)
    }

    @Test func unknownRefNamesRepositoryAndRef() throws {
        let repos = try Repositories()
        #expect(throws: LinbuildError.unknownRef(repository: repos.origin, ref: "nope")) { try resolver.resolve("nope", in: .path(repos.origin)) }
        #expect(throws: LinbuildError.unknownRef(repository: repos.origin, ref: "deadbeef")) { try resolver.resolve("deadbeef", in: .path(repos.origin)) }
        #expect(LinbuildError.unknownRef(repository: "r", ref: "x").exitCode == .noInput)
    }

    @Test func nameOnTwoDifferentCommitsIsAmbiguous() throws {
        let repos = try Repositories()
        try repos.git(repos.origin, "tag", "twin", repos.first)
        try repos.git(repos.origin, "branch", "twin", repos.second)
        do {
            _ = try resolver.resolve("twin", in: .path(repos.origin))
            Issue.record("resolved an ambiguous name")
        } catch let error as LinbuildError {
            #expect(error == .ambiguousRef(repository: repos.origin, ref: "twin", candidates: ["refs/heads/twin", "refs/tags/twin"]))
            #expect(error.exitCode == .noInput)
            #expect(error.description.contains("pass the full ref"))
        }
    }

    @Test func missingPathAndNonRepositoryAreNoInput() throws {
        let repos = try Repositories()
        #expect(throws: LinbuildError.missingFile(repos.root + "/absent", what: "source repository")) {
            try resolver.resolve("main", in: .path(repos.root + "/absent"))
        }
        let plain = repos.root + "/plain"
        try FileManager.default.createDirectory(atPath: plain, withIntermediateDirectories: true)
        #expect(throws: LinbuildError.notARepository(plain)) { try resolver.resolve("main", in: .path(plain)) }
    }

    @Test func fileURLIsAskedWithLsRemoteWithoutCloning() throws {
        let repos = try Repositories()
        let url = "file://" + repos.origin
        #expect(try resolver.resolve("main", in: .url(url)).commit.sha == repos.second)
        #expect(try resolver.resolve("feat/deep/x", in: .url(url)).refName == "refs/heads/feat/deep/x")
        #expect(try resolver.resolve("v1-annotated", in: .url(url)).commit.sha == repos.first)
        #expect(try resolver.resolve(repos.first, in: .url(url)).commit.sha == repos.first)
        #expect(throws: LinbuildError.unknownRef(repository: url, ref: "nope")) { try resolver.resolve("nope", in: .url(url)) }
        #expect(throws: LinbuildError.self) { try resolver.resolve(String(repos.first.prefix(7)), in: .url(url)) }
        let missing = try? resolver.resolve("main", in: .url("file://" + repos.root + "/absent"))
        #expect(missing == nil)
    }

    @Test func exportCommandsPutExactlyTheTrackedTreeInTheContext() throws {
        let repos = try Repositories()
        try "untracked\n".write(toFile: repos.origin + "/untracked.bin", atomically: false, encoding: .utf8)
        let runner = FoundationProcessRunner()
        for location in [SourceLocation.path(repos.origin), .url("file://" + repos.origin)] {
            let resolved = try resolver.resolve("v1", in: location)
            let scratch = repos.root + "/work-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: scratch + "/source", withIntermediateDirectories: true)
            for command in SourceExport.commands(for: resolved, into: scratch + "/source", scratch: scratch) {
                #expect(try runner.capture(command).termination == .exited(0), "\(command.shellLine)")
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: scratch + "/source") == ["file"])
            #expect(try String(contentsOfFile: scratch + "/source/file", encoding: .utf8) == "one\n")
        }
    }

    @Test func credentialsInAURLNeverBecomeALabel() {
        #expect(CommitResolver.hasCredentials("https://user:token@example.com/repo.git"))
        #expect(!CommitResolver.hasCredentials("https://example.com/repo.git"))
        #expect(!CommitResolver.hasCredentials("git@example.com:repo.git"))
    }
}
