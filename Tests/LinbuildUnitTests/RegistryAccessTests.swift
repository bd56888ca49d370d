import Foundation
import LinbuildTestFixtures
import Testing

@testable import LinbuildModel
@testable import LinbuildProcess
@testable import LinbuildRun

/// How linbuild names registries and reads the engine's logins, without a network.
@Suite struct RegistryAccessTests {
    @Test(arguments: [
        ("127.0.0.1:5000/ns/base:tag", "127.0.0.1:5000", "ns/base", "tag", "http", "127.0.0.1:5000"),
        (
            "frontierkodiak/linnaeus-base:ampere-cu126-torch2.7.1-fav2", "docker.io", "frontierkodiak/linnaeus-base",
            "ampere-cu126-torch2.7.1-fav2", "https", "registry-1.docker.io"
        ),
        ("busybox:latest", "docker.io", "library/busybox", "latest", "https", "registry-1.docker.io"),
        ("localhost/team/img:1", "localhost", "team/img", "1", "http", "localhost"),
        ("registry.example.com/a/b/c:v", "registry.example.com", "a/b/c", "v", "https", "registry.example.com"),
    ])
    func referenceSplitsLikeDocker(reference: String, registry: String, name: String, tag: String, scheme: String, host: String) throws {
        let parsed = try #require(ImageReference(reference))
        #expect(parsed.registry == registry)
        #expect(parsed.name == name)
        #expect(parsed.tag == tag)
        #expect(parsed.scheme == scheme)
        #expect(parsed.apiHost == host)
    }

    @Test func bearerChallengeParametersAreRead() {
        let challenge = AuthChallenge(
            #"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:a/b:pull""#)
        #expect(challenge.scheme == "bearer")
        #expect(challenge.parameters["realm"] == "https://auth.docker.io/token")
        #expect(challenge.parameters["service"] == "registry.docker.io")
        #expect(challenge.parameters["scope"] == "repository:a/b:pull")
        #expect(AuthChallenge(#"Basic realm="x""#).scheme == "basic")
    }

    @Test func inlineLoginFromDockerConfigIsFound() throws {
        // GIVEN a docker config written by `docker login` (no credential helper)
        let scratch = try Scratch("creds")
        defer { scratch.remove() }
        let folder = scratch.path
        let auth = Data("user:s3cr:et".utf8).base64EncodedString()
        try scratch.write("config.json", #"{"auths": {"127.0.0.1:5000": {"auth": "\#(auth)"}}}"#)

        // WHEN linbuild looks up that registry, and another one
        let runner = ScriptedRunner()
        let found = RegistryCredentials.lookUp(
            registry: "127.0.0.1:5000", environment: ["DOCKER_CONFIG": folder, "HOME": folder], runner: runner)
        let other = RegistryCredentials.lookUp(
            registry: "127.0.0.1:6000", environment: ["DOCKER_CONFIG": folder, "HOME": folder], runner: runner)

        // THEN the password (with its colon) is read for the first only, and no helper ran
        #expect(found == RegistryCredentials(username: "user", password: "s3cr:et"))
        #expect(other == nil)
        #expect(runner.commands.isEmpty)
    }

    @Test func credentialHelperIsAskedWithTheServerOnStandardInput() throws {
        let scratch = try Scratch("creds")
        defer { scratch.remove() }
        let folder = scratch.path
        try scratch.write("config.json", #"{"auths": {}, "credsStore": "pass"}"#)
        let runner = ScriptedRunner()
        runner.answer(
            { @Sendable command in
                command.executable == "docker-credential-pass" && command.arguments == ["get"]
                    && command.standardInput == "registry.example.com"
            },
            CapturedOutput(
                termination: .exited(0), stdout: Array(#"{"ServerURL":"registry.example.com","Username":"ci","Secret":"tok"}"#.utf8)))

        let found = RegistryCredentials.lookUp(
            registry: "registry.example.com", environment: ["DOCKER_CONFIG": folder, "HOME": folder], runner: runner)

        #expect(found == RegistryCredentials(username: "ci", password: "tok"))
        #expect(runner.commands.first?.standardInput == "registry.example.com")
    }
}
