import Foundation
import LinbuildTestFixtures
import Testing

@testable import LinbuildModel
@testable import LinbuildProcess
@testable import LinbuildSupport

/// A location with credentials reaches the build as a build secret, never as a build argument: the
/// image's history records every build argument a RUN uses.
@Suite struct BuildSecretTests: PlanMaking {
    static let password = CredentialedFixture.password
    static let token = CredentialedFixture.token
    static let credentialed = CredentialedFixture.environment
    static let dockerfile = CredentialedFixture.dockerfile

    func credentialedPlan() throws -> Plan { try CredentialedFixture.plan() }

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
}
