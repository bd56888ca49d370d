import Foundation
import LinbuildTestSupport
import Testing

/// A private mirror on loopback (Tests/support/auth-http-server.py): 401 without credentials, and a
/// log line for every request saying which credentials it carried. Stopped by `stop()`.
final class PrivateMirror {
    enum Form { case password, token }
    let log: String
    let server: LoopbackServer
    var port: Int { server.port }
    let user = "builder"
    let password = "pw-FAKE\(UUID().uuidString.prefix(8))"
    let token = "ghp_FAKEmirror\(UUID().uuidString.prefix(8))"

    init(root: String) throws {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        log = root + "/requests.log"
        server = try LoopbackServer(script: "auth-http-server.py", arguments: [log, "\(user):\(password)", token])
    }

    /// `http://[credentials@]127.0.0.1:PORT/path`.
    func url(_ path: String, _ form: Form?) -> String {
        let userInfo: String
        switch form {
        case .password?: userInfo = "\(user):\(password)@"
        case .token?: userInfo = "\(token)@"
        case nil: userInfo = ""
        }
        return "http://\(userInfo)127.0.0.1:\(port)\(path)"
    }

    /// Every request so far, as the server logged it (`ok password /simple/x`, `refused /whl/x`).
    var requests: [String] {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// Each form the credentials could take in an image or a log: the secrets themselves, the
    /// URL's user-info and the HTTP Basic header values.
    var needles: [String] {
        [
            password, token, "\(user):\(password)",
            Data("\(user):\(password)".utf8).base64EncodedString(), Data("\(token):".utf8).base64EncodedString(),
        ]
    }

    func stop() { server.stop() }
}

/// Where the credentials were found: each place searched, and the texts that hold a needle.
struct CredentialSearch {
    var searched: [String: Data] = [:]

    mutating func add(_ place: String, _ text: String) { searched[place] = Data(text.utf8) }

    /// `docker|podman history --no-trunc`, `image inspect` and `save` (every layer, uncompressed) of `image`.
    mutating func add(image: String, cli: ([String]) throws -> Run.Result, scratch: String) throws {
        let history = try cli(["history", "--no-trunc", "--format", "{{.CreatedBy}}", image])
        let inspect = try cli(["image", "inspect", image])
        #expect(history.status == 0 && inspect.status == 0, "\(history.output)\(inspect.output)")
        add("history of \(image)", history.stdout)
        add("inspect of \(image)", inspect.stdout)
        let archive = scratch + "/saved-\(UUID().uuidString).tar"
        defer { try? FileManager.default.removeItem(atPath: archive) }
        let saved = try cli(["save", "-o", archive, image])
        #expect(saved.status == 0, "\(saved.output)")
        searched["saved layers of \(image)"] = try Data(contentsOf: URL(fileURLWithPath: archive))
    }

    /// The pushed manifest (as the registry serves it) and config of `reference`.
    mutating func add(pushed reference: String) throws {
        add("pushed manifest of \(reference)", try RegistryAPI.manifest(of: reference))
        add("pushed config of \(reference)", try RegistryAPI.config(of: reference))
    }

    /// Every file under `folder` (step logs).
    mutating func add(files folder: String) {
        for path in (try? FileManager.default.subpathsOfDirectory(atPath: folder)) ?? [] {
            if let data = FileManager.default.contents(atPath: folder + "/" + path) { searched["file \(folder)/\(path)"] = data }
        }
    }

    /// The places that hold any of `needles`.
    func leaks(of needles: [String]) -> [String] {
        searched.filter { _, data in needles.contains { data.range(of: Data($0.utf8)) != nil } }.map(\.key).sorted()
    }

    func contains(_ text: String, in place: String) -> Bool {
        searched.contains { $0.key.hasPrefix(place) && $0.value.range(of: Data(text.utf8)) != nil }
    }
}

extension EndToEnd {
    /// Credentials in a mirror location reach the build as build secrets only: the steps that need
    /// them get them, and no image, history entry, registry entry, log or output holds them.
    @Suite struct SecretMirror {
        /// The fixture contract, with base and runtime steps that fetch from PYPI_INDEX and TORCH_INDEX
        /// through the secret of the same name, as docker/Dockerfile does (busybox wget sends the
        /// URL's user-info as HTTP Basic credentials).
        static let dockerfile = """
            ARG BASE_IMAGE
            FROM linbuild-fixture/busybox:latest AS base
            ARG NVIDIA_CUDA_TAG
            ARG TORCH_CHANNEL
            ARG TORCH_VER
            ARG TORCH_CUDA_SUFFIX
            ARG FA_VER
            ARG CUDA_ARCH_LIST
            ARG MAX_JOBS
            ARG PYPI_INDEX=https://pypi.org/simple
            ARG TORCH_INDEX=https://download.pytorch.org/whl
            RUN --mount=type=secret,id=PYPI_INDEX --mount=type=secret,id=TORCH_INDEX \\
                wget -q -O /base-pypi "$(cat /run/secrets/PYPI_INDEX 2>/dev/null || echo "$PYPI_INDEX")/base-probe" \\
             && wget -q -O /base-torch "$(cat /run/secrets/TORCH_INDEX 2>/dev/null || echo "$TORCH_INDEX")/base-probe" \\
             && echo "torch=$TORCH_VER fa=$FA_VER arch=$CUDA_ARCH_LIST channel=$TORCH_CHANNEL" > /base-info

            FROM ${BASE_IMAGE} AS runtime
            ARG PYPI_INDEX=https://pypi.org/simple
            ARG LINNAEUS_REF
            COPY . /app
            RUN --mount=type=secret,id=PYPI_INDEX \\
                wget -q -O /app/probe "$(cat /run/secrets/PYPI_INDEX 2>/dev/null || echo "$PYPI_INDEX")/runtime-probe" \\
             && echo "$LINNAEUS_REF" > /app/REF
            CMD ["cat", "/app/REF"]

            """

        /// Builds and pushes from a private mirror through `cli`'s engine (docker, or podman with
        /// `engineEnvironment`), then searches everything the run made for the credentials.
        static func buildFromAPrivateMirror(
            engineEnvironment: [String: String], cli: @escaping ([String]) throws -> Run.Result, remove: (FixtureProject) -> Void
        ) throws {
            let project = try FixtureProject(EndToEnd.environment, dockerfile: dockerfile)
            defer { remove(project) }
            let mirror = try PrivateMirror(root: project.root + "/mirror")
            defer { mirror.stop() }
            let sha = try project.git(["rev-parse", "HEAD"])
            let plain = ["LINBUILD_PYPI_INDEX": mirror.url("/simple", nil), "LINBUILD_TORCH_INDEX": mirror.url("/whl", nil)]
            // A user and password for the package index, a lone token for the PyTorch index.
            let credentialed = [
                "LINBUILD_PYPI_INDEX": mirror.url("/simple", .password), "LINBUILD_TORCH_INDEX": mirror.url("/whl", .token),
            ]

            // GIVEN a mirror that refuses a build without the credentials
            let refused = try project.linbuild(["--network", "host"], extraEnvironment: engineEnvironment.merging(plain) { $1 })
            #expect(refused.status == 1, "\(refused.output)")
            #expect(mirror.requests.contains("refused /simple/base-probe"), "\(mirror.requests)")

            // WHEN linbuild plans, prints, builds and pushes with them
            let environment = engineEnvironment.merging(credentialed) { $1 }
            let dryRun = try project.linbuild(["--network", "host", "--push", "--dry-run"], extraEnvironment: environment)
            let json = try project.linbuild(["--network", "host", "--push", "--json"], extraEnvironment: environment)
            let run = try project.linbuild(["--network", "host", "--push", "--verbose"], extraEnvironment: environment)
            #expect(run.status == 0, "\(run.output)")
            #expect(dryRun.status == 0 && json.status == 0, "\(dryRun.output)\(json.output)")

            // THEN each step reached the mirror with the credentials of its location
            for request in ["ok password /simple/base-probe", "ok token /whl/base-probe", "ok password /simple/runtime-probe"] {
                #expect(mirror.requests.contains(request), "\(request) not in \(mirror.requests)")
            }
            // AND the plan passes each location without its credentials, and them as a secret
            #expect(dryRun.stdout.contains("--build-arg PYPI_INDEX=\(mirror.url("/simple", nil))"))
            #expect(dryRun.stdout.contains("--secret id=TORCH_INDEX,src="))
            #expect(dryRun.stdout.contains(#"printf '%s' "$LINBUILD_PYPI_INDEX" >"#))
            // AND no credential is in either image (history, inspect, every saved layer), in what
            // the registry holds, or in linbuild's output, logs and plans
            let plan = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            let target = try #require((plan?["targets"] as? [[String: Any]])?.first)
            let base = try #require(target["baseImmutableImage"] as? String)
            let runtime = project.runtimeReference(commit: sha)
            #expect(target["runtimeImage"] as? String == runtime)
            var search = CredentialSearch()
            for image in [base, runtime] {
                try search.add(image: image, cli: cli, scratch: project.root)
                try search.add(pushed: image)
            }
            for (name, result) in [("dry-run", dryRun), ("json", json), ("run", run), ("refused run", refused)] {
                search.add("output of the \(name)", result.output)
            }
            search.add(files: project.logs)
            #expect(search.leaks(of: mirror.needles) == [])
            // (the search reads what it should: the history holds the location without credentials,
            // the layers and the pushed config the commit)
            #expect(search.contains("127.0.0.1:\(mirror.port)/simple", in: "history of \(runtime)"))
            #expect(search.contains(sha, in: "saved layers of \(runtime)"))
            #expect(search.contains(sha, in: "pushed config of \(runtime)"))
            #expect(search.searched.keys.contains { $0.hasPrefix("file \(project.logs)/") }, "no step log was searched")
            // AND the secret files went with the work folder
            #expect(try project.leftovers() == [])
        }

        @Test(arguments: [(SIGINT, Int32(130)), (SIGTERM, Int32(143))])
        func aSignalDuringACredentialedBuildLeavesNoSecretFileBehind(signal: Int32, expectedStatus: Int32) throws {
            // GIVEN a base build from a private mirror, with a long step before it fetches
            let marker = Int.random(in: 100_000...999_999)
            let project = try FixtureProject(
                EndToEnd.environment,
                dockerfile: Self.dockerfile.replacingOccurrences(
                    of: "ARG TORCH_INDEX=https://download.pytorch.org/whl\n",
                    with: "ARG TORCH_INDEX=https://download.pytorch.org/whl\nRUN echo long-step-started && sleep \(marker)\n"))
            defer { project.remove() }
            let mirror = try PrivateMirror(root: project.root + "/mirror")
            defer { mirror.stop() }
            var secretsWhileBuilding: [String: Int] = [:]
            // WHEN the signal arrives while the build runs
            let run = try project.linbuild(
                ["--network", "host", "--progress", "plain"],
                extraEnvironment: [
                    "LINBUILD_PYPI_INDEX": mirror.url("/simple", .password), "LINBUILD_TORCH_INDEX": mirror.url("/whl", .token),
                ]
            ) { process in
                waitForLog(in: project.logs, containing: "long-step-started")
                // (the build's secret files are there, readable by this user only)
                for work in (try? project.leftovers()) ?? [] {
                    let folder = project.temporary + "/" + work + "/secrets"
                    for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
                        let attributes = try? FileManager.default.attributesOfItem(atPath: folder + "/" + name)
                        secretsWhileBuilding[name] = attributes?[.posixPermissions] as? Int
                    }
                }
                kill(process.processIdentifier, signal)
            }
            // THEN linbuild exits with the signal's code, and neither the files nor the work folder are left
            #expect(run.status == expectedStatus, "\(run.output)")
            #expect(secretsWhileBuilding == ["PYPI_INDEX": 0o600, "TORCH_INDEX": 0o600])
            #expect(waitUntilGone("sleep \(marker)"))
            #expect(try project.leftovers() == [])
            #expect(!run.output.contains(mirror.password) && !run.output.contains(mirror.token))
        }

        @Test func dockerBuildsFromATokenedMirrorAndNoImageOrRegistryEntryHoldsTheCredentials() throws {
            let environment = EndToEnd.environment
            try Self.buildFromAPrivateMirror(
                engineEnvironment: [:], cli: { try environment.docker($0) }, remove: { $0.remove() })
        }

        @Test(.enabled(if: EndToEndEnvironment.podmanAvailable, "needs podman with the store Tests/support/e2e-services.sh prepares"))
        func podmanBuildsFromATokenedMirrorWithBuildSecrets() throws {
            let podman = PodmanScenarios.environment
            try Self.buildFromAPrivateMirror(
                engineEnvironment: podman.merging(["LINBUILD_ENGINE": "podman"]) { $1 },
                cli: { try PodmanScenarios.podman(podman, $0) },
                remove: { PodmanScenarios.remove($0, from: podman) })
        }
    }
}
