import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

extension EndToEnd {
    /// Several architectures in one run, and output fit for CI logs.
    @Suite struct Matrix {
        /// A base stage that fails for the architecture whose CUDA_ARCH_LIST is 9.0 (beta).
        static let betaFails = FixtureProject.dockerfileText.replacingOccurrences(
            of: "RUN echo \"torch", with: "RUN test \"$CUDA_ARCH_LIST\" != \"9.0\" || (echo beta-base-failing && false)\nRUN echo \"torch")

        @Test func allArchitecturesBuildInOneRunFromOneCommit() throws {
            let project = try FixtureProject(EndToEnd.environment)
            defer { project.remove() }
            let sha = try project.git(["rev-parse", "HEAD"])

            let run = try project.linbuild(["--arch", "all"])

            #expect(run.status == 0, "\(run.output)")
            #expect(run.stderr.contains("base [alpha]: missing"))
            #expect(run.stderr.contains("base [beta]: missing"))
            for arch in ["alpha", "beta"] {
                let runtime = project.runtimeReference(commit: sha, arch: arch)
                #expect(try project.inside(runtime, ["cat", "/app/REF"]).stdout == sha + "\n")
                #expect(try project.label("dev.linbuild.arch", of: runtime) == arch)
                #expect(run.stderr.contains("runtime [\(arch)]"))
            }
            #expect(try project.inside(project.baseReference(arch: "beta"), ["cat", "/base-info"]).stdout.contains("fa= arch=9.0"))
        }

        @Test func oneFailingArchitectureStopsTheRestUnlessKeepGoing() throws {
            let project = try FixtureProject(EndToEnd.environment, dockerfile: Self.betaFails)
            defer { project.remove() }
            let sha = try project.git(["rev-parse", "HEAD"])

            // WHEN beta fails first, by default alpha is not attempted and nothing is pushed
            let stopped = try project.linbuild(["--arch", "beta,alpha", "--push"])
            #expect(stopped.status == 1, "\(stopped.output)")
            #expect(stopped.stderr.contains("runtime [alpha]     not run") || stopped.stderr.contains("runtime [alpha]  not run"))
            #expect(try project.imageID(project.runtimeReference(commit: sha, arch: "alpha")) == nil)

            // WHEN --keep-going, alpha is built, the run still fails, and still nothing is pushed
            let kept = try project.linbuild(["--arch", "beta,alpha", "--push", "--keep-going"])
            #expect(kept.status == 1, "\(kept.output)")
            #expect(try project.imageID(project.runtimeReference(commit: sha, arch: "alpha")) != nil)
            #expect(!kept.stderr.contains("==> push"))
            #expect(try RegistryAPI.manifestStatus(of: project.runtimeReference(commit: sha)) == 404)
        }

        @Test func githubActionsGetsFoldedStepsAndErrorAnnotations() throws {
            let project = try FixtureProject(EndToEnd.environment, dockerfile: Self.betaFails)
            defer { project.remove() }

            let run = try project.linbuild(["--arch", "alpha,beta", "--keep-going"], extraEnvironment: ["GITHUB_ACTIONS": "true"])

            #expect(run.status == 1)
            #expect(run.stdout.contains("::group::build base [alpha]\n"))
            #expect(run.stdout.contains("::endgroup::\n"))
            #expect(run.stdout.contains("::error::build base [beta] failed"))
        }

        @Test func quietShowsOnlyTheSummaryAndVerboseShowsEachCommand() throws {
            let project = try FixtureProject(EndToEnd.environment)
            defer { project.remove() }

            // --quiet: the builds run and are logged, but only the summary reaches the terminal
            let quiet = try project.linbuild(["--quiet"])
            #expect(quiet.status == 0, "\(quiet.output)")
            #expect(quiet.stderr.contains("summary:"))
            #expect(!quiet.stderr.contains("==> build"))
            #expect(!quiet.stderr.contains("base [alpha]: missing"))
            #expect(!quiet.stderr.contains("[base "), "BuildKit's lines reached the terminal")
            #expect(quiet.stdout.isEmpty)
            let logs = FileManager.default.enumerator(atPath: project.logs)?.compactMap { $0 as? String } ?? []
            let logged = try logs.filter { $0.hasSuffix(".log") }.map {
                try String(contentsOfFile: project.logs + "/" + $0, encoding: .utf8)
            }.joined()
            #expect(logged.contains("[base "), "the step logs lack the build output: \(logs)")

            // --verbose: each command is shown before it runs
            try project.write("app.py", "print('verbose')\n")
            _ = try project.commit("verbose run")
            let verbose = try project.linbuild(["--verbose"])
            #expect(verbose.status == 0, "\(verbose.output)")
            let commands = verbose.stderr.split(separator: "\n").filter { $0.hasPrefix("+ ") }
            #expect(commands.contains { $0.contains(" archive ") }, "\(commands)")
            #expect(commands.contains { $0.contains(" build ") && $0.contains("--target runtime") }, "\(commands)")
            let normal = try project.linbuild([])
            #expect(normal.status == 0, "\(normal.output)")
            #expect(normal.stderr.split(separator: "\n").allSatisfy { !$0.hasPrefix("+ ") })
        }
    }
}
