import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

/// A small project made for one test: a git source repository, a fixture Dockerfile whose base
/// and runtime stages build on the locally imported busybox, and a presets file with its own
/// namespace, so tests never see each other's images. Removed with its images by `remove()`.
final class FixtureProject: Sendable {
    let environment: EndToEndEnvironment
    let root: String
    let source: String
    let presets: String
    let dockerfile: String
    let logs: String
    /// linbuild's TMPDIR: its work folders go here, so tests can see that none is left.
    let temporary: String
    let namespace: String

    /// The shared contract fixture, built on the locally imported busybox.
    static let dockerfileText = ContractFixture.buildable(from: "linbuild-fixture/busybox:latest")

    init(_ environment: EndToEndEnvironment, dockerfile: String = FixtureProject.dockerfileText) throws {
        self.environment = environment
        let id = UUID().uuidString.prefix(8).lowercased()
        namespace = "e2e-\(id)"
        root = FileManager.default.temporaryDirectory.appendingPathComponent("linbuild-e2e-\(id)").path
        source = root + "/source"
        presets = root + "/presets.json"
        self.dockerfile = root + "/docker/Dockerfile"
        logs = root + "/logs"
        temporary = root + "/tmp"
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/docker", withIntermediateDirectories: true)
        try dockerfile.write(toFile: self.dockerfile, atomically: false, encoding: .utf8)
        try writePresets()
        try git(["init", "-q", "-b", "main"])
        try write("app.py", "print('linnaeus fixture')\n")
        try write("pkg/model.py", "WEIGHTS = 1\n")
        _ = try commit("initial import")
    }

    /// Checks `linbuild validate` runs in fixture images: busybox commands, not Python.
    static let validationChecks = """
        "validation": { "checks": [
          { "name": "base info", "command": ["cat", "/base-info"],
            "expect": "torch={torchVersion} fa={flashAttentionVersion} arch={cudaArchList} channel={torchChannel}" },
          { "name": "application", "command": ["test", "-f", "/app/app.py"] },
          { "name": "gpu", "command": ["false"], "needsGPU": true }
        ] },
        """

    func writePresets(alphaArchList: String = "8.0;8.6", validation: String = FixtureProject.validationChecks) throws {
        let json = """
            {
              \(validation)
              "defaults": {
                "namespace": "\(namespace)", "baseImage": "fixture-base", "runtimeImage": "fixture-dev",
                "arch": "alpha", "branch": "main", "maxJobs": 2, "dockerfile": "docker/Dockerfile",
                "platform": "linux/amd64", "source": "\(source)", "nvidiaCudaTag": "fixture-devel"
              },
              "architectures": {
                "alpha": { "torchVersion": "2.7.1", "torchvisionVersion": "0.22.1", "torchaudioVersion": "2.7.1", "torchChannel": "stable", "cudaSuffix": "cu126",
                           "cudaArchList": "\(alphaArchList)", "flashAttention": { "version": "2.7.4.post1", "major": 2 } },
                "beta": { "torchVersion": "2.8.0", "torchvisionVersion": "0.23.0", "torchaudioVersion": "2.8.0", "torchChannel": "nightly", "cudaSuffix": "cu128",
                          "cudaArchList": "9.0", "flashAttention": null }
              }
            }
            """
        try json.write(toFile: presets, atomically: false, encoding: .utf8)
    }

    @discardableResult
    func git(_ arguments: [String]) throws -> String {
        try Git.run(source, arguments)
    }

    func write(_ path: String, _ text: String) throws {
        let url = URL(fileURLWithPath: source + "/" + path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: false, encoding: .utf8)
    }

    /// Commits everything tracked or new and returns the full SHA.
    func commit(_ message: String) throws -> String {
        try git(["add", "-A"])
        try git(["commit", "-q", "-m", message])
        return try git(["rev-parse", "HEAD"])
    }

    /// Runs linbuild against this project's presets, engine and (by default) the anonymous registry.
    func linbuild(
        _ arguments: [String], registry: String? = nil, extraEnvironment: [String: String] = [:],
        started: ((Process) -> Void)? = nil
    ) throws -> Run.Result {
        let environment = [
            "DOCKER_HOST": self.environment.dockerHost, "LINBUILD_ENGINE": self.environment.engine,
            "LINBUILD_LOG_DIR": logs, "NO_COLOR": "1", "TMPDIR": temporary,
            // Upstreams are unreachable from tests; the preflight suite turns it on against stand-ins.
            "LINBUILD_NO_PREFLIGHT": "1",
        ].merging(extraEnvironment) { $1 }
        // A subcommand (validate, check, preflight, lock, outdated) comes first; the project's options follow it.
        // Those commands refuse options they would ignore, such as --registry.
        let subcommand =
            ["validate", "check", "preflight", "lock", "outdated"].contains(arguments.first ?? "") ? Array(arguments.prefix(1)) : []
        let registryArguments =
            subcommand.isEmpty || subcommand == ["outdated"] ? ["--registry", registry ?? self.environment.registry] : []
        return try Run.command(
            Run.linbuild, subcommand + ["--presets", presets] + registryArguments + arguments.dropFirst(subcommand.count),
            environment: environment, directory: root, started: started)
    }

    func baseReference(arch: String = "alpha", registry: String? = nil) -> String {
        let tag = arch == "alpha" ? "alpha-cu126-torch2.7.1-fav2" : "beta-cu128-torch2.8.0-fanone"
        return "\(registry ?? environment.registry)/\(namespace)/fixture-base:\(tag)"
    }

    func runtimeReference(commit: String, arch: String = "alpha", registry: String? = nil, suffix: String = "") -> String {
        "\(registry ?? environment.registry)/\(namespace)/fixture-dev:\(commit.prefix(12))-\(arch)\(suffix)"
    }

    /// The base's immutable reference: the readable one and the first 12 hex of its inputs digest,
    /// read from the local image's label.
    func baseImmutableReference(arch: String = "alpha", registry: String? = nil) throws -> String? {
        let readable = baseReference(arch: arch, registry: registry)
        return try label("dev.linbuild.base.inputs", of: readable).flatMap { $0.isEmpty ? nil : readable + "-in" + $0.prefix(12) }
    }

    /// Removes an image with every tag it has (the readable and the immutable base tags), through
    /// an engine CLI (docker, podman).
    func removeImage(_ reference: String, using cli: ([String]) throws -> Run.Result) throws -> Bool {
        let id = try cli(["image", "inspect", "--format", "{{.Id}}", reference]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !id.isEmpty else { return false }
        return try cli(["rmi", "-f", id]).status == 0
    }

    /// The local image ID, or nil when the store does not have it.
    func imageID(_ reference: String) throws -> String? {
        let result = try environment.docker(["image", "inspect", "--format", "{{.Id}}", reference])
        return result.status == 0 ? result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }

    func label(_ name: String, of reference: String) throws -> String? {
        let result = try environment.docker(["image", "inspect", "--format", "{{index .Config.Labels \"\(name)\"}}", reference])
        return result.status == 0 ? result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }

    /// Runs a command in a container of `reference` and returns its output.
    func inside(_ reference: String, _ command: [String]) throws -> Run.Result {
        try environment.docker(["run", "--rm", "--network", "none", reference] + command)
    }

    /// What linbuild left in its TMPDIR (nothing, if it cleaned up).
    func leftovers() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: temporary)
    }

    /// Removes the project's images from the engine and its folder from disk.
    func remove() {
        removeImages(using: { try environment.docker($0) })
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Removes the project's images from the store an engine CLI (docker on some host, podman)
    /// reaches; `cli` runs one command of it.
    func removeImages(using cli: ([String]) throws -> Run.Result) {
        let listing = (try? cli(["images", "--format", "{{.Repository}}:{{.Tag}}"]))?.stdout ?? ""
        let mine = listing.split(separator: "\n").map(String.init).filter { $0.contains("/\(namespace)/") }
        if !mine.isEmpty { _ = try? cli(["rmi", "-f"] + mine) }
    }
}

/// Asks a registry over its HTTP API (not through linbuild's own client, so the check is independent).
enum RegistryAPI {
    /// The HTTP status of `HEAD /v2/<name>/manifests/<tag>`, with Basic credentials if given.
    static func manifestStatus(registry: String, name: String, tag: String, user: String? = nil, password: String? = nil) throws -> Int {
        var arguments = [
            "-s", "-o", "/dev/null", "-w", "%{http_code}", "-I",
            "-H",
            "Accept: application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json",
        ]
        if let user, let password { arguments += ["-u", "\(user):\(password)"] }
        arguments.append("http://\(registry)/v2/\(name)/manifests/\(tag)")
        let result = try Run.command("curl", arguments)
        return Int(result.stdout) ?? -1
    }

    /// The same for a whole reference `REGISTRY/NAME:TAG`, as `baseReference` and `runtimeReference` give.
    static func manifestStatus(of reference: String, user: String? = nil, password: String? = nil) throws -> Int {
        let (registry, name, tag) = parts(of: reference)
        return try manifestStatus(registry: registry, name: name, tag: tag, user: user, password: password)
    }

    /// The manifest a reference names, as the registry serves it (an index, or an image's manifest).
    static func manifest(of reference: String) throws -> String {
        let (registry, name, tag) = parts(of: reference)
        let accept =
            "Accept: application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json"
        let result = try Run.command("curl", ["-sf", "-H", accept, "http://\(registry)/v2/\(name)/manifests/\(tag)"])
        #expect(result.status == 0, "no manifest for \(reference): \(result.output)")
        return result.stdout
    }

    /// The config blob of the image a reference names (the first image of an index), as pushed.
    static func config(of reference: String) throws -> String {
        let (registry, name, tag) = parts(of: reference)
        let accept =
            "Accept: application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json"
        func get(_ path: String) throws -> [String: Any] {
            let result = try Run.command("curl", ["-sf", "-H", accept, "http://\(registry)/v2/\(name)/\(path)"])
            return (try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
        }
        var manifest = try get("manifests/\(tag)")
        if let list = manifest["manifests"] as? [[String: Any]], let digest = list.first?["digest"] as? String {
            manifest = try get("manifests/\(digest)")
        }
        let digest = try #require((manifest["config"] as? [String: Any])?["digest"] as? String)
        return try Run.command("curl", ["-sf", "http://\(registry)/v2/\(name)/blobs/\(digest)"]).stdout
    }

    /// `REGISTRY/NAME:TAG` in its three parts.
    private static func parts(of reference: String) -> (registry: String, name: String, tag: String) {
        let slash = reference.firstIndex(of: "/") ?? reference.startIndex
        let colon = reference.lastIndex(of: ":") ?? reference.endIndex
        return (
            String(reference[..<slash]), String(reference[reference.index(after: slash)..<colon]),
            String(reference[reference.index(after: colon)...])
        )
    }
}

/// Every end-to-end scenario runs in this suite, one at a time: they share one engine. Without
/// an engine it shows as skipped, with the reason; `EndToEndRequirement` turns that into a failure
/// when CI requires the suite. Each test has ten minutes (`Run.command` also kills a program that
/// runs past its deadline, so a hang cannot hold the suite).
@Suite(.serialized, .timeLimit(.minutes(10)), .enabled(if: EndToEndEnvironment.available, EndToEndEnvironment.skipNotice))
struct EndToEnd {
    static var environment: EndToEndEnvironment { EndToEndEnvironment.current! }
}
