import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

@testable import LinbuildProcess
@testable import LinbuildRun
@testable import LinbuildSupport

/// How many git processes resolving a local ref costs (each is a fork, an exec and git's own
/// start-up: about as long as linbuild's whole start-up), and that the one session keeps tags on
/// tags and tags on trees right.
@Suite(.timeLimit(.minutes(5))) struct CommitResolverCallsTests {
    @Test func aBranchOrATagIsResolvedAndItsTreeInspectedByThreeGitProcesses() throws {
        let scratch = try Scratch("calls")
        defer { scratch.remove() }
        let repo = scratch.path + "/repo"
        let sha = try Git.repository(at: repo)
        // A small file, so the inspection reads blobs too (an LFS pointer would be one)
        try Git.commit(in: repo, file: "small.txt", text: "tiny\n")
        let head = try Git.run(repo, "rev-parse", "HEAD")
        try Git.run(repo, "tag", "-a", "annotated", "-m", "a")
        try Git.run(repo, "tag", "-a", "nested", "-m", "n", "annotated")
        let tree = try Git.run(repo, "rev-parse", "HEAD^{tree}").trimmingCharacters(in: .whitespacesAndNewlines)
        try Git.run(repo, "tag", "-a", "on-tree", "-m", "t", tree)
        let branch = try Git.run(repo, "symbolic-ref", "--short", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines)

        for ref in [branch, "annotated"] {
            let recording = CommitResolverTests.RecordingRunner()
            #expect(try CommitResolver(runner: recording).resolve(ref, in: .path(repo)).commit.sha == head)
            // rev-parse (git folder and top level), config (the origin's URL, read alongside) and
            // one cat-file session for the refs, the trees and the small blobs
            let verbs = recording.commands.map { $0.arguments.dropFirst(2).prefix(2).joined(separator: " ") }
            #expect(verbs.sorted() == ["cat-file --batch-command", "config --get", "rev-parse --absolute-git-dir"], "\(ref)")
        }
        #expect(sha != head)
        // A tag on a tag is peeled by git to the commit; a tag on a tree has none.
        let resolver = CommitResolver(runner: SpawnProcessRunner())
        #expect(try resolver.resolve("nested", in: .path(repo)).commit.sha == head)
        #expect(throws: LinbuildError.notACommit(repository: repo, ref: "on-tree", refName: "refs/tags/on-tree", type: "tree")) {
            try resolver.resolve("on-tree", in: .path(repo))
        }
    }
}
