import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

extension EndToEnd {
    /// `--engine podman` builds, inspects, asks the registry and pushes, on
    /// Debian's podman (root, vfs, cgroupfs) with a store of its own that e2e-services.sh prepared.
    @Suite(.enabled(if: EndToEndEnvironment.podmanAvailable, "needs podman with the store Tests/support/e2e-services.sh prepares"))
    struct PodmanScenarios {
        /// podman's environment: this suite runs only when the services prepared it.
        static var environment: [String: String] { EndToEnd.environment.podmanEnvironment! }

        static func podman(_ environment: [String: String], _ arguments: [String]) throws -> Run.Result {
            try Run.command("/usr/bin/podman", arguments, environment: environment)
        }

        /// `podman run` of `command` in `image`. podman as root asks for rlimits above what a
        /// nested kernel grants; lowering them is always allowed.
        static func inside(_ environment: [String: String], _ image: String, _ command: [String]) throws -> Run.Result {
            try podman(
                environment,
                ["run", "--rm", "--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", image] + command)
        }

        /// Removes the project and the images its runs left in podman's store.
        static func remove(_ project: FixtureProject, from environment: [String: String]) {
            project.removeImages(using: { try podman(environment, $0) })
            project.remove()
        }

        @Test func aLockedBuildOnPodmanPullsTheLockedDigestAfterTheTagMoved() throws {
            let podmanEnvironment = Self.environment
            let environment = EndToEnd.environment
            let project = try FixtureProject(environment, dockerfile: EndToEnd.Lock.dockerfile)
            defer { Self.remove(project, from: podmanEnvironment) }
            let (repository, locations) = EndToEnd.Lock.osImage(project)
            // GIVEN a lock of the OS image, and the tag moved since
            try EndToEnd.Lock.push(repository + ":22.04")
            let locked = try EndToEnd.Lock.digest(registry: environment.registry, name: "\(project.namespace)/os", tag: "22.04")
            #expect(try project.linbuild(["lock", "--arch", "alpha"], extraEnvironment: locations).status == 0)
            try EndToEnd.Lock.push(repository + ":22.04", marker: "moved")

            // WHEN podman builds from the lock (told, as a user with a plain-HTTP mirror tells it,
            // that the loopback registry speaks HTTP: Buildah pulls a FROM image over HTTPS otherwise)
            let registries = project.root + "/registries.conf"
            try "[[registry]]\nlocation = \"\(environment.registry)\"\ninsecure = true\n".write(
                toFile: registries, atomically: false, encoding: .utf8)
            let viaPodman = podmanEnvironment.merging(locations) { $1 }.merging([
                "LINBUILD_ENGINE": "podman", "CONTAINERS_REGISTRIES_CONF": registries,
            ]) { $1 }
            let build = try project.linbuild(["--arch", "alpha"], extraEnvironment: viaPodman)

            // THEN Buildah pulled the locked digest, not what the tag names now
            #expect(build.status == 0, "\(build.output)")
            let base = project.baseReference()
            #expect(try Self.inside(podmanEnvironment, base, ["test", "-e", "/marker"]).status == 1)
            let pin = try Self.podman(
                podmanEnvironment, ["image", "inspect", "--format", "{{index .Config.Labels \"dev.linbuild.base.pin.image.base\"}}", base])
            #expect(pin.stdout == "22.04@\(locked)\n", "\(pin.output)")
        }

        @Test func podmanBuildsInspectsChecksTheRegistryAndPushes() throws {
            let podmanEnvironment = Self.environment
            let environment = EndToEnd.environment
            let project = try FixtureProject(environment)
            defer { Self.remove(project, from: podmanEnvironment) }
            let sha = try project.git(["rev-parse", "HEAD"])
            let base = project.baseReference(), runtime = project.runtimeReference(commit: sha)
            let viaPodman = podmanEnvironment.merging(["LINBUILD_ENGINE": "podman"]) { $1 }

            // WHEN linbuild builds and pushes with podman
            let first = try project.linbuild(["--push"], extraEnvironment: viaPodman)

            // THEN podman built both images, in podman's store and not the docker engine's
            #expect(first.status == 0, "\(first.output)")
            #expect(first.stderr.contains("builder: podman build (Buildah)"), "\(first.stderr)")
            #expect(first.stderr.contains("base [alpha]: missing"))
            let revision = try Self.podman(
                podmanEnvironment,
                [
                    "image", "inspect", "--format",
                    "{{index .Config.Labels \"org.opencontainers.image.revision\"}}", runtime,
                ])
            #expect(revision.stdout == sha + "\n", "\(revision.output)")
            let inside = try Self.inside(podmanEnvironment, runtime, ["cat", "/app/REF"])
            #expect(inside.stdout == sha + "\n", "\(inside.output)")
            #expect(try project.imageID(runtime) == nil)
            // and pushed both to the plain-HTTP loopback registry (podman needs --tls-verify=false there)
            #expect(try RegistryAPI.manifestStatus(of: base) == 200)
            #expect(try RegistryAPI.manifestStatus(of: runtime) == 200)

            // WHEN it runs again, THEN podman's `image inspect` finds the base with its recorded
            // inputs, and the registry check sees the base is there already
            let second = try project.linbuild(["--push"], extraEnvironment: viaPodman)
            #expect(second.status == 0, "\(second.output)")
            #expect(second.stderr.contains("base [alpha]: cached locally"), "\(second.stderr)")
            #expect(second.stderr.contains("already in the registry"))
            #expect(!second.stderr.contains("==> build base"))
            // and Buildah, like BuildKit, built only the runtime stage (the base stage's RUN never ran)
            #expect(second.stderr.contains("==> build runtime"))
            #expect(!second.output.contains("> /base-info"), "\(second.output)")

            // WHEN the base is gone from podman's store ("image not known" is "absent", not an
            // engine failure), THEN the registry's copy is read, pulled and built upon
            #expect(try project.removeImage(base) { try Self.podman(podmanEnvironment, $0) })
            try project.write("app.py", "print('podman')\n")
            let next = try project.commit("change the app")
            let third = try project.linbuild([], extraEnvironment: viaPodman)
            #expect(third.status == 0, "\(third.output)")
            #expect(third.stderr.contains("base [alpha]: in registry"), "\(third.stderr)")
            #expect(third.stderr.contains("==> pull base"))
            let changed = try Self.inside(podmanEnvironment, project.runtimeReference(commit: next), ["cat", "/app/app.py"])
            #expect(changed.stdout == "print('podman')\n", "\(changed.output)")
        }

        @Test func registryWithLoginWorksAfterPodmanLogin() throws {
            let podmanEnvironment = Self.environment
            let environment = EndToEnd.environment
            let project = try FixtureProject(environment)
            defer { Self.remove(project, from: podmanEnvironment) }
            let registry = environment.loginRegistry
            // podman's own auth file for this test, and an empty docker config, so only podman's login counts
            let config = project.root + "/docker-config"
            try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
            let loggedIn = podmanEnvironment.merging(["REGISTRY_AUTH_FILE": project.root + "/auth.json", "DOCKER_CONFIG": config]) { $1 }
            let viaPodman = loggedIn.merging(["LINBUILD_ENGINE": "podman"]) { $1 }
            let sha = try project.git(["rev-parse", "HEAD"])

            // GIVEN no login: the registry check cannot be answered, so nothing is built or pushed
            let refused = try project.linbuild(["--push"], registry: registry, extraEnvironment: viaPodman)
            #expect(refused.status == 69, "\(refused.output)")
            #expect(!refused.stderr.contains("==> build"))

            // WHEN the user logs in with podman login
            let login = try Run.command(
                "/usr/bin/podman",
                [
                    "login", "--tls-verify=false", "--username", environment.loginUser,
                    "--password-stdin", registry,
                ],
                environment: loggedIn, input: environment.loginPassword)
            #expect(login.status == 0, "\(login.output)")

            // THEN linbuild's registry check uses podman's credentials, and podman pushes
            let run = try project.linbuild(["--push"], registry: registry, extraEnvironment: viaPodman)
            #expect(run.status == 0, "\(run.output)")
            #expect(
                try RegistryAPI.manifestStatus(
                    of: project.runtimeReference(commit: sha, registry: registry), user: environment.loginUser,
                    password: environment.loginPassword) == 200)
            #expect(!run.output.contains(environment.loginPassword))
        }

        @Test func dryRunSpellsEveryPodmanCommand() throws {
            let podmanEnvironment = Self.environment
            let project = try FixtureProject(EndToEnd.environment)
            defer { project.remove() }

            // WHEN the plan is printed for podman with a loopback registry
            let run = try project.linbuild(
                ["--dry-run", "--push"], extraEnvironment: podmanEnvironment.merging(["LINBUILD_ENGINE": "podman"]) { $1 })

            // THEN builds are `podman build` with the platform, and pushes and pulls skip TLS
            // verification for the loopback registry, as the Docker daemon does by default
            #expect(run.status == 0, "\(run.output)")
            // (commands inside the script's decisions are indented)
            let lines = run.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(lines.contains { $0.hasPrefix("podman build --platform linux/amd64 ") }, "\(run.stdout)")
            // (the base under its immutable and its readable tag, pushed by linbuild_push_base, whose
            // comment lists them; and the runtime)
            #expect(lines.contains("podman push --tls-verify=false \"$1\""), "\(run.stdout)")
            #expect(lines.filter { $0.hasPrefix("#   podman push --tls-verify=false ") }.count == 2, "\(run.stdout)")
            #expect(lines.filter { $0.hasPrefix("podman push --tls-verify=false ") && !$0.contains("$1") }.count == 1, "\(run.stdout)")
            #expect(lines.contains { $0.hasPrefix("podman pull --platform linux/amd64 --tls-verify=false ") }, "\(run.stdout)")
            #expect(!run.stdout.contains("DOCKER_BUILDKIT"))
        }
    }
}
