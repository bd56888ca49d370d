import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

extension EndToEnd {
    /// Pushing, to an anonymous registry and to one with a login.
    @Suite struct PushScenarios {
        @Test func pushPutsBothManifestsInTheRegistryAndTheBaseOnlyOnce() throws {
            let project = try FixtureProject(EndToEnd.environment)
            defer { project.remove() }
            let sha = try project.git(["rev-parse", "HEAD"])

            // WHEN linbuild pushes
            let first = try project.linbuild(["--push"])

            // THEN the registry's HTTP API has both manifests
            #expect(first.status == 0, "\(first.output)")
            #expect(try RegistryAPI.manifestStatus(of: project.baseReference()) == 200)
            #expect(try RegistryAPI.manifestStatus(of: project.runtimeReference(commit: sha)) == 200)
            #expect(first.stderr.contains("push base [alpha]"))

            // WHEN it pushes again, THEN the base is not pushed a second time
            let second = try project.linbuild(["--push"])
            #expect(second.status == 0, "\(second.output)")
            #expect(!second.stderr.contains("==> push base"))
            #expect(second.stderr.contains("already in the registry"))
            #expect(second.stderr.contains("==> push runtime"))
        }

        @Test func registryWithLoginWorksAfterDockerLoginAndFailsClearlyWithout() throws {
            let project = try FixtureProject(EndToEnd.environment)
            defer { project.remove() }
            let environment = EndToEnd.environment
            let registry = environment.loginRegistry
            let config = project.root + "/docker-config"
            try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)

            // GIVEN no login: the check cannot be answered, so nothing is built or pushed
            let refused = try project.linbuild(["--push"], registry: registry, extraEnvironment: ["DOCKER_CONFIG": config])
            #expect(refused.status == 69, "\(refused.output)")
            #expect(refused.stderr.contains("docker login"))
            #expect(!refused.stderr.contains("pushed"))
            #expect(
                try RegistryAPI.manifestStatus(
                    of: project.runtimeReference(commit: try project.git(["rev-parse", "HEAD"]), registry: registry),
                    user: environment.loginUser, password: environment.loginPassword) == 404)

            // WHEN the user logs in with docker login
            let login = try environment.docker(
                ["login", "--username", environment.loginUser, "--password-stdin", registry],
                extraEnvironment: ["DOCKER_CONFIG": config], input: environment.loginPassword)
            #expect(login.status == 0, "\(login.output)")

            // THEN linbuild uses those credentials for its registry check and the push works
            let run = try project.linbuild(["--push"], registry: registry, extraEnvironment: ["DOCKER_CONFIG": config])
            #expect(run.status == 0, "\(run.output)")
            let sha = try project.git(["rev-parse", "HEAD"])
            #expect(
                try RegistryAPI.manifestStatus(
                    of: project.runtimeReference(commit: sha, registry: registry), user: environment.loginUser,
                    password: environment.loginPassword) == 200)
            // and the password appears nowhere: not in output, not in logs, not in the plan
            let json = try project.linbuild(["--json"], registry: registry, extraEnvironment: ["DOCKER_CONFIG": config])
            let logs = try FileManager.default.subpathsOfDirectory(atPath: project.logs).compactMap {
                try? String(contentsOfFile: project.logs + "/" + $0, encoding: .utf8)
            }.joined()
            #expect(!logs.isEmpty, "no step logs to search")
            for text in [refused.output, run.output, json.output, logs] {
                #expect(!text.contains(environment.loginPassword))
            }

            // and with a login registry that has the base, a second run finds it there
            #expect(try project.removeImage(project.baseReference(registry: registry)) { try environment.docker($0) })
            let again = try project.linbuild([], registry: registry, extraEnvironment: ["DOCKER_CONFIG": config])
            #expect(again.status == 0, "\(again.output)")
            #expect(again.stderr.contains("base [alpha]: in registry"))
        }
    }
}
