import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

extension EndToEnd {
    /// What gets built, and what is reused, across runs.
    @Suite struct BuildScenarios {
        @Test func coldRunBuildsBaseAndRuntimeWithTheCommitInside() throws {
            // GIVEN a fresh project, with an untracked data file that must never reach the image
            let project = try FixtureProject(EndToEnd.environment)
            defer { project.remove() }
            try project.write("data/huge-untracked.bin", "not for the image\n")
            let sha = try project.git(["rev-parse", "HEAD"])

            // WHEN linbuild runs for the first time
            let run = try project.linbuild([])

            // THEN both images exist, the runtime holds exactly the commit's tracked files
            #expect(run.status == 0, "\(run.output)")
            #expect(run.stderr.contains("base [alpha]: missing"))
            let runtime = project.runtimeReference(commit: sha)
            #expect(try project.imageID(project.baseReference()) != nil)
            #expect(try project.inside(runtime, ["cat", "/app/app.py"]).stdout == "print('linnaeus fixture')\n")
            #expect(try project.inside(runtime, ["cat", "/app/REF"]).stdout == sha + "\n")
            #expect(try project.inside(runtime, ["test", "-e", "/app/data/huge-untracked.bin"]).status != 0)
            #expect(try project.inside(runtime, ["test", "-e", "/app/.git"]).status != 0)
            #expect(try project.label("org.opencontainers.image.revision", of: runtime) == sha)
            #expect(try project.label("org.opencontainers.image.source", of: runtime) == project.source)
            // and the base records its inputs
            #expect(try project.label("dev.linbuild.base.arg.CUDA_ARCH_LIST", of: project.baseReference()) == "8.0;8.6")
            // and no work folder is left behind
            #expect(try project.leftovers() == [])
        }

        @Test func newCommitRebuildsOnlyTheRuntime() throws {
            // GIVEN a project built once
            let project = try FixtureProject(EndToEnd.environment)
            defer { project.remove() }
            #expect(try project.linbuild([]).status == 0)
            let baseID = try #require(try project.imageID(project.baseReference()))

            // WHEN only application code changes and linbuild runs again
            try project.write("app.py", "print('changed')\n")
            let sha = try project.commit("change the app")
            let run = try project.linbuild([])

            // THEN the base is reused untouched and only the runtime was built, under the new SHA
            #expect(run.status == 0, "\(run.output)")
            #expect(run.stderr.contains("base [alpha]: cached locally"))
            #expect(!run.stderr.contains("==> build base"))
            #expect(try project.imageID(project.baseReference()) == baseID)
            let runtime = project.runtimeReference(commit: sha)
            #expect(try project.inside(runtime, ["cat", "/app/app.py"]).stdout == "print('changed')\n")
            #expect(try project.label("org.opencontainers.image.revision", of: runtime) == sha)
        }

        @Test func changedBaseArgumentRebuildsBaseAndSaysWhich() throws {
            // GIVEN a project built once
            let project = try FixtureProject(EndToEnd.environment)
            defer { project.remove() }
            #expect(try project.linbuild([]).status == 0)
            let before = try #require(try project.imageID(project.baseReference()))

            // WHEN a base build argument changes in the presets
            try project.writePresets(alphaArchList: "8.0;8.6;8.9")
            let run = try project.linbuild([])

            // THEN the base is rebuilt and the reason names the argument
            #expect(run.status == 0, "\(run.output)")
            #expect(run.stderr.contains("base [alpha]: rebuilding, CUDA_ARCH_LIST changed"))
            #expect(try project.imageID(project.baseReference()) != before)
            #expect(try project.label("dev.linbuild.base.arg.CUDA_ARCH_LIST", of: project.baseReference()) == "8.0;8.6;8.9")
        }

        @Test func changedBaseStageRebuildsBaseButRuntimeEditsDoNot() throws {
            let project = try FixtureProject(EndToEnd.environment)
            defer { project.remove() }
            #expect(try project.linbuild([]).status == 0)

            // WHEN only the runtime stage of the Dockerfile changes, THEN the base stays cached
            let runtimeEdit = FixtureProject.dockerfileText.replacingOccurrences(of: "CMD [\"cat\", \"/app/REF\"]", with: "CMD [\"sh\"]")
            try runtimeEdit.write(toFile: project.dockerfile, atomically: false, encoding: .utf8)
            let runtimeOnly = try project.linbuild([])
            #expect(runtimeOnly.status == 0, "\(runtimeOnly.output)")
            #expect(runtimeOnly.stderr.contains("base [alpha]: cached locally"))

            // WHEN the base stage's text changes, THEN the base is rebuilt and the reason says so
            let baseEdit = runtimeEdit.replacingOccurrences(of: "> /base-info", with: "> /base-info && echo v2 >> /base-info")
            try baseEdit.write(toFile: project.dockerfile, atomically: false, encoding: .utf8)
            let baseChanged = try project.linbuild([])
            #expect(baseChanged.status == 0, "\(baseChanged.output)")
            #expect(baseChanged.stderr.contains("base [alpha]: rebuilding, the Dockerfile's base stage changed"))
            #expect(try project.inside(project.baseReference(), ["cat", "/base-info"]).stdout.hasSuffix("v2\n"))
        }

        @Test func baseOnlyInTheRegistryIsPulledNotRebuilt() throws {
            // GIVEN a base that was pushed, then removed from the local store
            let project = try FixtureProject(EndToEnd.environment)
            defer { project.remove() }
            #expect(try project.linbuild(["--push"]).status == 0)
            let base = project.baseReference()
            #expect(try project.removeImage(base) { try EndToEnd.environment.docker($0) })
            #expect(try project.imageID(base) == nil)

            // WHEN linbuild runs after a new commit
            try project.write("app.py", "print('again')\n")
            let sha = try project.commit("again")
            let run = try project.linbuild([])

            // THEN the registry's base is used: pulled, not built
            #expect(run.status == 0, "\(run.output)")
            #expect(run.stderr.contains("base [alpha]: in registry"))
            #expect(!run.stderr.contains("==> build base"))
            #expect(run.stderr.contains("==> pull base"))
            #expect(try project.inside(project.runtimeReference(commit: sha), ["cat", "/app/app.py"]).stdout == "print('again')\n")
        }
    }
}
