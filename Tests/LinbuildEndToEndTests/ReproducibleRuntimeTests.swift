import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

extension EndToEnd {
    /// Two builds of one commit: the runtime's created label is the commit's time on every engine,
    /// and on podman (`--timestamp`) the runtime image itself is the same.
    @Suite struct ReproducibleRuntimes {
        /// A commit made at a fixed time long ago, so no clock of this run can give the same label.
        static let commitTime = "2024-03-01T12:00:00Z"

        /// Re-makes the fixture's last commit with `commitTime` as its committer time, and with a
        /// file no other test has (BuildKit's cache of a COPY ignores file times: the same files from
        /// another test's commit would come back with that commit's times); returns its SHA.
        static func dateLastCommit(_ project: FixtureProject) throws -> String {
            try project.write("pkg/model.py", "WEIGHTS = '\(UUID().uuidString)'\n")
            try project.git(["add", "-A"])
            let environment = [
                "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_COMMITTER_DATE": commitTime,
            ]
            let amend = try Run.command("git", ["-C", project.source, "commit", "-q", "--amend", "--no-edit"], environment: environment)
            #expect(amend.status == 0, "\(amend.output)")
            #expect(try project.git(["log", "-1", "--format=%ct"]) == "1709294400")
            return try project.git(["rev-parse", "HEAD"])
        }

        @Test(.enabled(if: EndToEndEnvironment.podmanAvailable, "needs podman with the store Tests/support/e2e-services.sh prepares"))
        func podmanGivesTwoBuildsOfOneCommitOneRuntimeImage() throws {
            let podmanEnvironment = PodmanScenarios.environment
            let project = try FixtureProject(EndToEnd.environment)
            defer { PodmanScenarios.remove(project, from: podmanEnvironment) }
            let sha = try Self.dateLastCommit(project)
            let runtime = project.runtimeReference(commit: sha)
            let viaPodman = podmanEnvironment.merging(["LINBUILD_ENGINE": "podman"]) { $1 }
            func inspect(_ format: String) throws -> String {
                let result = try PodmanScenarios.podman(podmanEnvironment, ["image", "inspect", "--format", format, runtime])
                #expect(result.status == 0, "\(result.output)")
                return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            }

            // WHEN linbuild builds the commit with podman
            let first = try project.linbuild([], extraEnvironment: viaPodman)
            #expect(first.status == 0, "\(first.output)")
            let firstID = try inspect("{{.Id}}")
            // THEN the runtime is dated by the commit: its label, and the image's own created time
            #expect(try inspect("{{index .Config.Labels \"org.opencontainers.image.created\"}}") == Self.commitTime)
            #expect(try inspect("{{.Created.UTC.Unix}}") == "1709294400")
            // and podman can make it reproducible, so linbuild says nothing about digests
            #expect(!first.stderr.contains("differ in their digest"), "\(first.stderr)")

            // WHEN the runtime image and every unnamed layer podman kept for its cache are gone (the
            // base stays: the same base), and linbuild builds the same commit again
            let removed = try PodmanScenarios.podman(podmanEnvironment, ["rmi", "-f", runtime])
            #expect(removed.status == 0, "\(removed.output)")
            let pruned = try PodmanScenarios.podman(podmanEnvironment, ["image", "prune", "-f"])
            #expect(pruned.status == 0, "\(pruned.output)")
            let second = try project.linbuild([], extraEnvironment: viaPodman)
            #expect(second.status == 0, "\(second.output)")
            // (the runtime stage's steps ran again: the layer that writes /app/REF was rebuilt)
            #expect(second.output.contains("RUN echo"), "\(second.output)")
            #expect(!second.output.contains("Using cache"), "\(second.output)")

            // THEN the rebuilt runtime is the same image: same config, same layers, same ID
            #expect(try inspect("{{.Id}}") == firstID)
        }

        @Test func dockerTwentyTenGivesMatchingLabelsAndSaysWhyNotTheDigest() throws {
            let project = try FixtureProject(EndToEnd.environment)
            defer { project.remove() }
            let sha = try Self.dateLastCommit(project)
            let runtime = project.runtimeReference(commit: sha)
            let base = project.baseReference()

            // WHEN docker's built-in BuildKit builds the commit twice, the runtime removed between
            let first = try project.linbuild([])
            #expect(first.status == 0, "\(first.output)")
            let firstLabel = try project.label("org.opencontainers.image.created", of: runtime)
            #expect(try project.removeImage(runtime) { try EndToEnd.environment.docker($0) })
            let second = try project.linbuild([])
            #expect(second.status == 0, "\(second.output)")

            // THEN both runtimes, and the base, carry the commit's time as their created label
            #expect(firstLabel == Self.commitTime)
            #expect(try project.label("org.opencontainers.image.created", of: runtime) == Self.commitTime)
            #expect(try project.label("org.opencontainers.image.created", of: base) == Self.commitTime)
            // and the exported commit's files kept the commit's time (git archive of a commit)
            let mtime = try project.inside(runtime, ["stat", "-c", "%Y", "/app/app.py", "/app/pkg/model.py"])
            #expect(mtime.stdout == "1709294400\n1709294400\n", "\(mtime.output)")
            // and each run says once why the digest can differ
            for run in [first, second] {
                let notes = run.stderr.components(separatedBy: "\n").filter { $0.contains("differ in their digest") }
                #expect(notes.count == 1, "\(run.stderr)")
                #expect(notes.first?.contains("rewrite-timestamp") == true, "\(run.stderr)")
            }
        }
    }
}
