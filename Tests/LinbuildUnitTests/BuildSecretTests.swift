import Foundation
import LinbuildTestSupport
import Testing

@testable import LinbuildModel
@testable import LinbuildProcess
@testable import LinbuildSupport

/// A location with credentials reaches the build as a build secret, never as a build argument: the
/// image's history records every build argument a RUN uses.
@Suite struct BuildSecretTests: PlanMaking {
    static let password = "pa%40ss-FAKE7d1e"
    static let token = "ghp_FAKEtoken5c2b"
    /// Both forms of credentials: a user and a (percent-encoded) password, and a lone token.
    static let credentialed = [
        "LINBUILD_PYPI_INDEX": "https://builder:\(password)@mirror.example:8443/simple",
        "LINBUILD_TORCH_INDEX": "https://\(token)@mirror.example:8443/whl",
        "LINBUILD_FA3_GIT": "https://\(token)@git.example/flash-attention.git",
    ]
    /// Every location of the base stage, as the shipped Dockerfile declares them.
    static let dockerfile = """
        ARG BASE_IMAGE
        FROM busybox:1 AS base
        ARG NVIDIA_CUDA_TAG TORCH_CHANNEL TORCH_VER TORCH_CUDA_SUFFIX TORCHVISION_VER TORCHAUDIO_VER FA_VER FA_COMMIT CUDA_ARCH_LIST OS_PACKAGES
        ARG PYPI_INDEX TORCH_INDEX FA3_GIT
        RUN --mount=type=secret,id=PYPI_INDEX --mount=type=secret,id=TORCH_INDEX --mount=type=secret,id=FA3_GIT echo base
        FROM ${BASE_IMAGE} AS runtime
        ARG PYPI_INDEX
        COPY . /app
        """

    func credentialedPlan(workDirectory: String = "/tmp/linbuild-test") throws -> Plan {
        let options = try Options.parse(["--arch", "hopper", "--push"], environment: Self.credentialed)
        return try PlanBuilder(
            options: options, presets: shippedPresets, dockerfile: try DockerfileParser.parse(Self.dockerfile, path: "/p/Dockerfile"),
            source: ResolvedSource(location: .path("/src"), ref: "main", refName: nil, commit: PlanFixture.commit, sourceLabel: "/src"),
            engine: EngineCLI(executable: "docker", builder: .buildx), workDirectory: workDirectory, createdAt: "t"
        ).make()
    }

    /// `script` run by sh with only PATH and `environment` in its environment.
    func shell(_ script: String, _ environment: [String: String] = [:]) throws -> Run.Result {
        try Run.command(
            "/usr/bin/env",
            ["-i", "PATH=/usr/bin:/bin"] + environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" } + [
                "/bin/sh", "-c", script,
            ])
    }

    @Test func buildArgumentsCarryTheLocationsWithoutTheirCredentialsAndEachBuildGetsItsSecrets() throws {
        // GIVEN locations with a user and password, and with a lone token
        let plan = try credentialedPlan()
        let target = try #require(plan.targets.first)
        // THEN the build arguments, the plan's targets and the JSON carry them without credentials
        #expect(target.baseArguments["PYPI_INDEX"] == "https://mirror.example:8443/simple")
        #expect(target.baseArguments["TORCH_INDEX"] == "https://mirror.example:8443/whl")
        #expect(target.baseArguments["FA3_GIT"] == "https://git.example/flash-attention.git")
        #expect(target.runtimeArguments["PYPI_INDEX"] == "https://mirror.example:8443/simple")
        let base = try #require(commands(plan, .buildBase).first)
        let runtime = try #require(commands(plan, .buildRuntime).first)
        #expect(base.arguments.contains("PYPI_INDEX=https://mirror.example:8443/simple"))
        // AND the base build reads all three secrets from files in the work folder, the runtime only
        // the package index (the one location it is passed)
        func secretFlags(_ command: Command) -> [String] {
            zip(command.arguments, command.arguments.dropFirst()).filter { $0.0 == "--secret" }.map(\.1)
        }
        #expect(
            secretFlags(base) == [
                "id=TORCH_INDEX,src=/tmp/linbuild-test/secrets/TORCH_INDEX",
                "id=PYPI_INDEX,src=/tmp/linbuild-test/secrets/PYPI_INDEX",
                "id=FA3_GIT,src=/tmp/linbuild-test/secrets/FA3_GIT",
            ])
        #expect(secretFlags(runtime) == ["id=PYPI_INDEX,src=/tmp/linbuild-test/secrets/PYPI_INDEX"])
        // AND the value of each file is held as a secret under the location's variable
        #expect(runtime.secretFiles == ["/tmp/linbuild-test/secrets/PYPI_INDEX": "LINBUILD_PYPI_INDEX"])
        #expect(runtime.secrets == ["LINBUILD_PYPI_INDEX": Self.credentialed["LINBUILD_PYPI_INDEX"]])
        #expect(base.secrets.count == 3)
        // AND no credential is anywhere in the printed plan, its JSON or its dry-run script
        let printed = [try PlanRenderer.json(plan), PlanRenderer.shellScript(plan)] + plan.steps.flatMap(\.commands).map(\.shellLine)
        for text in printed {
            #expect(!text.contains(Self.password) && !text.contains(Self.token) && !text.contains("builder:"), "\(text.prefix(300))")
        }
        #expect(try PlanRenderer.json(plan).contains(#""secretFiles" : {"#))
    }

    @Test func credentialsAndSecretFlagsChangeNoDigestAndAPlanWithoutThemIsAsBefore() throws {
        // GIVEN the same run from the real upstreams, from a mirror without credentials, and from
        // the same mirror with them
        let mirror = Self.credentialed.mapValues(Redaction.stripped)
        let real = try plan(["--arch", "hopper", "--push"], dockerfile: Self.dockerfile)
        let plain = try plan(["--arch", "hopper", "--push"], environment: mirror, dockerfile: Self.dockerfile)
        let secret = try plan(["--arch", "hopper", "--push"], environment: Self.credentialed, dockerfile: Self.dockerfile)
        // THEN the base's identity is the same in all three
        #expect(Set([real, plain, secret].map { $0.targets[0].baseInputs.digest }).count == 1)
        #expect(Set([real, plain, secret].map { $0.targets[0].baseImmutableImage }).count == 1)
        // AND without credentials nothing mentions a secret, in the commands or the JSON
        for command in plain.steps.flatMap(\.commands) {
            #expect(!command.arguments.contains("--secret") && command.secrets.isEmpty && command.secretFiles.isEmpty)
        }
        #expect(!(try PlanRenderer.json(plain)).contains("secretFiles"))
        // AND with them, the commands differ from the plain ones only by the secret flags
        for (a, b) in zip(plain.steps.flatMap(\.commands), secret.steps.flatMap(\.commands)) {
            var stripped = b.arguments
            while let index = stripped.firstIndex(of: "--secret") { stripped.removeSubrange(index...(index + 1)) }
            #expect(stripped == a.arguments)
        }
    }

    @Test func theJSONPlanNamesTheSecretFilesAndRoundTripsWithoutTheValues() throws {
        let plan = try credentialedPlan()
        let decoded = try JSONDecoder().decode(Plan.self, from: Data(try PlanRenderer.json(plan).utf8))
        let runtime = try #require(commands(decoded, .buildRuntime).first)
        #expect(runtime.secretFiles == ["/tmp/linbuild-test/secrets/PYPI_INDEX": "LINBUILD_PYPI_INDEX"])
        #expect(runtime.secrets.isEmpty)
    }

    @Test func theDryRunScriptAsksForEachVariableAndWritesPrivateFilesThatTheTrapRemoves() throws {
        // GIVEN the dry-run script of a plan with credentials, its work folder in a scratch folder
        let scratch = try Scratch("dry-run-secrets")
        defer { scratch.remove() }
        let work = scratch.path + "/work"
        let script = PlanRenderer.shellScript(try credentialedPlan(workDirectory: work))
        #expect(script.contains(#": "${LINBUILD_PYPI_INDEX:?export LINBUILD_PYPI_INDEX=the PYPI_INDEX location with its credentials;"#))
        #expect(script.contains(#": "${LINBUILD_FA3_GIT:?"#) && script.contains(#": "${LINBUILD_TORCH_INDEX:?"#))
        // WHEN its preamble runs without the variables, THEN it stops before making anything
        let preamble = script.components(separatedBy: "linbuild_local()").first ?? ""
        let missing = try shell(preamble)
        #expect(missing.status != 0 && missing.stderr.contains("LINBUILD_FA3_GIT"), "\(missing.output)")
        #expect(!FileManager.default.fileExists(atPath: work))
        // WHEN it runs with them, and shows what it made before it exits
        let check = "ls -ln \(work)/secrets; stat -c '%a %n' \(work)/secrets \(work)/secrets/*; cat \(work)/secrets/PYPI_INDEX; echo"
        let run = try shell(preamble + "\n" + check, Self.credentialed)
        // THEN each file holds its variable's value exactly, readable by this user only, and the
        // trap removed the work folder when the script ended
        #expect(run.status == 0, "\(run.output)")
        #expect(run.stdout.contains("700 \(work)/secrets\n"))
        for name in ["PYPI_INDEX", "TORCH_INDEX", "FA3_GIT"] {
            #expect(run.stdout.contains("600 \(work)/secrets/\(name)\n"), "\(run.stdout)")
        }
        #expect(run.stdout.hasSuffix(Self.credentialed["LINBUILD_PYPI_INDEX"]! + "\n"))
        #expect(!FileManager.default.fileExists(atPath: work))
    }
}

/// The shipped Dockerfile's own shell code for FA3_GIT's credentials, run by bash with a stand-in
/// `git` that reports what it was given: the clone URL without credentials, and the credentials
/// only as an Authorization header scoped to the URL's origin, in git's environment.
@Suite struct DockerfileGitCredentialsTests {
    /// The lines of the Flash Attention RUN from reading FA3_GIT to `git_with_credentials`, joined
    /// as BuildKit joins continuation lines.
    static func snippet() throws -> String {
        let text = try String(contentsOfFile: Repository.dockerfile, encoding: .utf8).replacingOccurrences(of: "\\\n", with: "\n")
        let start = try #require(text.range(of: #"fa3_git="$(cat /run/secrets/FA3_GIT"#))
        let end = try #require(text.range(of: #"archs="$(echo"#, range: start.upperBound..<text.endIndex))
        return String(text[start.lowerBound..<end.lowerBound])
    }

    func gitSees(_ location: String) throws -> String {
        let scratch = try Scratch("dockerfile-git")
        defer { scratch.remove() }
        let fake = try scratch.write("git", "#!/bin/sh\nprintf 'args=%s\\n' \"$*\"\nenv | grep '^GIT_CONFIG' | sort\n")
        _ = try Run.command("/bin/chmod", ["+x", fake])
        let run = try Run.command(
            "/usr/bin/env",
            [
                "-i", "PATH=\(scratch.path):/usr/bin:/bin", "FA3_GIT=\(location)", "/bin/bash", "-c",
                try Self.snippet() + "\ngit_with_credentials clone \"${fa3_git}\" /tmp/fa",
            ])
        #expect(run.status == 0, "\(run.output)")
        return run.stdout
    }

    @Test func aUserAndPercentEncodedPasswordBecomeABasicHeaderForTheOriginOnly() throws {
        let seen = try gitSees("https://builder:p%40ss%2Fw%3Ard@git.example:8443/mirror/flash-attention.git")
        #expect(
            seen == """
                args=clone https://git.example:8443/mirror/flash-attention.git /tmp/fa
                GIT_CONFIG_COUNT=1
                GIT_CONFIG_KEY_0=http.https://git.example:8443/.extraHeader
                GIT_CONFIG_VALUE_0=Authorization: Basic \(Data("builder:p@ss/w:rd".utf8).base64EncodedString())

                """)
    }

    @Test func aLoneTokenIsTheUserWithAnEmptyPasswordAsCurlAndUvSendIt() throws {
        let seen = try gitSees("https://ghp_FAKEtoken@git.example/flash-attention.git")
        #expect(seen.hasPrefix("args=clone https://git.example/flash-attention.git /tmp/fa\n"), "\(seen)")
        #expect(seen.contains("GIT_CONFIG_KEY_0=http.https://git.example/.extraHeader\n"))
        #expect(seen.contains("GIT_CONFIG_VALUE_0=Authorization: Basic \(Data("ghp_FAKEtoken:".utf8).base64EncodedString())\n"))
    }

    @Test(arguments: [
        "https://builder:p%40ss%2Fw%3Ard@git.example:8443/mirror/flash-attention.git", "http://ghp_FAKEtoken@127.0.0.1:9/fa.git",
    ])
    func preflightsGitGetsTheSameHeaderAndURLAsTheBuildsClone(_ location: String) throws {
        // GIVEN what the shipped Dockerfile gives git, and what preflight's fetch gives it
        let seen = try gitSees(location)
        let authorization = try #require(GitAuthorization(url: location))
        // THEN both send the same header to the same origin, from the same URL without credentials
        let expected =
            "args=clone \(authorization.url) /tmp/fa\n"
            + authorization.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)\n" }.joined()
        #expect(seen == expected)
        #expect(GitAuthorization(url: "https://github.com/Dao-AILab/flash-attention.git") == nil)
        #expect(GitAuthorization(url: "ssh://git@github.com/Dao-AILab/flash-attention.git") == nil)
    }

    @Test func aLocationWithoutCredentialsIsClonedAsItIsWithNoHeader() throws {
        #expect(
            try gitSees("https://github.com/Dao-AILab/flash-attention.git")
                == "args=clone https://github.com/Dao-AILab/flash-attention.git /tmp/fa\n")
    }
}
