import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

extension EndToEnd {
    /// Remote builders: builds run where `DOCKER_HOST` points. The engine here is a second
    /// dockerd that listens only on a loopback TCP port, with nothing on the default socket.
    @Suite(.enabled(if: EndToEndEnvironment.tcpEngineAvailable, "needs the engine Tests/support/e2e-services.sh starts on a TCP port"))
    struct RemoteEngine {
        /// The TCP engine: this suite runs only when the services started it.
        static var host: String { EndToEnd.environment.tcpHost! }

        /// The docker CLI pointed at `host`, with no context configured.
        static func docker(_ host: String, _ arguments: [String]) throws -> Run.Result {
            try Run.command(EndToEnd.environment.engine, arguments, environment: ["DOCKER_HOST": host])
        }

        /// Removes the project and the images its runs left on the engine at `host`.
        static func remove(_ project: FixtureProject, from host: String) {
            project.removeImages(using: { try docker(host, $0) })
            project.remove()
        }

        @Test func buildRunsOnTheEngineThatDockerHostNamesOverTCP() throws {
            let host = Self.host
            let environment = EndToEnd.environment
            let project = try FixtureProject(environment)
            let config = project.root + "/docker-config"
            try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
            defer { Self.remove(project, from: host) }
            // GIVEN nothing listens on the default socket, and the TCP engine answers
            #expect(
                try Run.command(environment.engine, ["-H", "unix:///var/run/docker.sock", "version"]).status != 0,
                "something answers on /var/run/docker.sock: the test would not prove where the build ran")
            #expect(host.hasPrefix("tcp://127.0.0.1:"))
            #expect(try Self.docker(host, ["version", "--format", "{{.Server.Version}}"]).status == 0)
            let sha = try project.git(["rev-parse", "HEAD"])
            let runtime = project.runtimeReference(commit: sha)
            let remote = ["DOCKER_HOST": host, "DOCKER_CONFIG": config]

            // WHEN linbuild runs with DOCKER_HOST=tcp://127.0.0.1:PORT
            let run = try project.linbuild([], extraEnvironment: remote)

            // THEN both images are on that engine, the runtime with the commit inside
            #expect(run.status == 0, "\(run.output)")
            #expect(run.stderr.contains("base [alpha]: missing"))
            #expect(try Self.docker(host, ["image", "inspect", project.baseReference()]).status == 0)
            let labels = try Self.docker(
                host, ["image", "inspect", "--format", "{{index .Config.Labels \"org.opencontainers.image.revision\"}}", runtime])
            #expect(labels.stdout == sha + "\n", "\(labels.output)")
            #expect(try Self.docker(host, ["run", "--rm", "--network", "none", runtime, "cat", "/app/REF"]).stdout == sha + "\n")
            // and not on the main engine, which the rest of the suite uses
            #expect(try project.imageID(runtime) == nil)
            #expect(try project.imageID(project.baseReference()) == nil)

            // WHEN it runs again, THEN the base check asks that engine too, and finds the base there
            let again = try project.linbuild([], extraEnvironment: remote)
            #expect(again.status == 0, "\(again.output)")
            #expect(again.stderr.contains("base [alpha]: cached locally"), "\(again.output)")
        }

        @Test func contextOptionSendsTheRunToTheContextsEngine() throws {
            let host = Self.host
            let environment = EndToEnd.environment
            let project = try FixtureProject(environment)
            defer { Self.remove(project, from: host) }
            // GIVEN a docker context for the TCP engine, while DOCKER_HOST still names the main engine
            let config = project.root + "/docker-config"
            try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
            let created = try Run.command(
                environment.engine, ["context", "create", "lbe2e-remote", "--docker", "host=\(host)"],
                environment: ["DOCKER_CONFIG": config])
            #expect(created.status == 0, "\(created.output)")
            let sha = try project.git(["rev-parse", "HEAD"])

            // WHEN linbuild runs with --context
            let run = try project.linbuild(["--context", "lbe2e-remote"], extraEnvironment: ["DOCKER_CONFIG": config])

            // THEN the images are on the context's engine and not on DOCKER_HOST's
            #expect(run.status == 0, "\(run.output)")
            #expect(try Self.docker(host, ["image", "inspect", project.runtimeReference(commit: sha)]).status == 0)
            #expect(try Self.docker(host, ["image", "inspect", project.baseReference()]).status == 0)
            #expect(try project.imageID(project.runtimeReference(commit: sha)) == nil)
            #expect(try project.imageID(project.baseReference()) == nil)
        }

        @Test func tcpEngineThatDoesNotAnswerStopsTheRunBeforeAnyBuild() throws {
            let project = try FixtureProject(EndToEnd.environment)
            defer { project.remove() }
            // GIVEN DOCKER_HOST names a loopback port nothing listens on
            let closed = try ClosedPort()
            defer { closed.release() }
            let port = closed.port

            // WHEN linbuild runs against it
            let run = try project.linbuild([], extraEnvironment: ["DOCKER_HOST": "tcp://127.0.0.1:\(port)"])

            // THEN it stops with 69 and one line saying what to do, having built nothing anywhere
            #expect(run.status == 69, "\(run.output)")
            #expect(run.errorLines.count == 1, "\(run.stderr)")
            #expect(run.stderr.contains("DOCKER_HOST"))
            #expect(!run.stderr.contains("==> build"))
            #expect(try project.leftovers() == [])
        }
    }
}
