import Foundation
import LinbuildSupport

/// The container CLI and the way it reaches BuildKit. Chosen before the plan is made, so the
/// plan's commands are exactly what will run.
public struct EngineCLI: Equatable, Sendable, Codable {
    public enum Builder: String, Equatable, Sendable, Codable {
        /// `docker buildx build --load`: the buildx plugin.
        case buildx
        /// `DOCKER_BUILDKIT=1 docker build`: clients before 23.0 have BuildKit built in.
        case builtinBuildKit
        /// `podman build` (Buildah), which also skips stages the target does not need.
        case podman

        public var description: String {
            switch self {
            case .buildx: "BuildKit via docker buildx"
            case .builtinBuildKit: "BuildKit built into the docker client (DOCKER_BUILDKIT=1)"
            case .podman: "podman build (Buildah)"
            }
        }
    }

    public var executable: String
    public var builder: Builder
    /// `docker --context NAME`.
    public var context: String?
    /// `docker buildx build --builder NAME`.
    public var buildxBuilder: String?
    public var progress: String?
    /// The BuildKit version the buildx builder runs (`v0.13.2`), asked before the plan is made;
    /// nil when unknown or not buildx. It decides whether layer timestamps can be rewritten.
    public var buildKitVersion: String? = nil

    public init(executable: String, builder: Builder, context: String? = nil, buildxBuilder: String? = nil, progress: String? = nil) {
        self.executable = executable
        self.builder = builder
        self.context = context
        self.buildxBuilder = buildxBuilder
        self.progress = progress
    }

    public var isPodman: Bool { builder == .podman }

    /// A command of the engine CLI, with the global options every call needs.
    public func command(_ arguments: [String], environment: [String: String] = [:]) -> Command {
        Command(executable, (context.map { ["--context", $0] } ?? []) + arguments, environment: environment)
    }

    /// `push`. The Docker daemon talks plain HTTP to loopback registries by default; podman does
    /// not, so for those it gets `--tls-verify=false` (it still tries HTTPS first).
    public func push(_ reference: String) -> Command {
        command(["push"] + registryFlags(reference) + [reference])
    }

    /// `pull` of one platform, with podman's loopback flag as for `push`.
    public func pull(_ reference: String, platform: String) -> Command {
        command(["pull", "--platform", platform] + registryFlags(reference) + [reference])
    }

    private func registryFlags(_ reference: String) -> [String] {
        isPodman && ImageReference(reference)?.scheme == "http" ? ["--tls-verify=false"] : []
    }

    /// `build` with the builder's own spelling and BuildKit switch. `timestamp` (seconds since the
    /// epoch): the image's created time and every file's time in its layers, where the engine can
    /// set them (`timestampProblem` is nil): Buildah's `--timestamp`, BuildKit's `rewrite-timestamp`.
    public func build(_ arguments: [String], timestamp: Int? = nil) -> Command {
        let progressFlag = progress.map { ["--progress", $0] } ?? []
        let rewrites = timestamp != nil && timestampProblem == nil
        switch builder {
        case .buildx:
            // --load is --output type=docker; the exporter option needs the long form. BuildKit
            // dates the image (and, rewriting, its files) from SOURCE_DATE_EPOCH, undeclared. Only
            // buildx gets it: Docker 20.10's BuildKit and Buildah would only warn it was unused, and a
            // Dockerfile that declared it would make Python byte-compile the whole venv anew
            // (uv forces hash-based .pyc files when it is set).
            let output = rewrites ? ["--output", "type=docker,rewrite-timestamp=true"] : ["--load"]
            let epoch = timestamp.map { ["--build-arg", "\(BuildArguments.sourceDateEpoch)=\($0)"] } ?? []
            return command(
                ["buildx", "build"] + output + (buildxBuilder.map { ["--builder", $0] } ?? []) + progressFlag + epoch + arguments)
        case .builtinBuildKit:
            return command(["build"] + progressFlag + arguments, environment: ["DOCKER_BUILDKIT": "1"])
        case .podman:
            return command(["build"] + (rewrites ? ["--timestamp", String(timestamp!)] : []) + arguments)
        }
    }
}

extension EngineCLI {
    /// Why this engine cannot make two builds of one commit give one image digest, or nil when it
    /// can: Buildah takes `--timestamp`; BuildKit rewrites file times in layers from v0.13
    /// (`rewrite-timestamp`, an exporter option that only buildx passes). Docker 20.10's built-in
    /// BuildKit (v0.8) has neither: it refuses `--output type=docker` and dates a rebuilt image by
    /// the clock whatever SOURCE_DATE_EPOCH says (docs/upstream.md).
    public var timestampProblem: String? {
        switch builder {
        case .podman:
            return nil
        case .builtinBuildKit:
            return
                "the docker client's built-in BuildKit (v0.8 in Docker 20.10) cannot date the image and the files in its layers by the commit (BuildKit's rewrite-timestamp needs v0.13, through buildx), so two builds of one commit that run their steps differ in their digest; their created labels match"
        case .buildx:
            guard let version = buildKitVersion, let release = Self.release(version) else {
                return
                    "the buildx builder's BuildKit version is unknown (docker buildx inspect did not say), so its rewrite-timestamp (BuildKit v0.13) is not used; the created labels match, the image digest may not"
            }
            guard release.lexicographicallyPrecedes([0, 13]) else { return nil }
            return
                "the buildx builder runs BuildKit \(version), which cannot set the times of the files in the layers (rewrite-timestamp needs v0.13), so two builds of one commit that run their steps differ in their digest; their created labels match"
        }
    }

    /// `v0.13.2` → `[0, 13, 2]`.
    static func release(_ version: String) -> [Int]? {
        let digits = version.drop { !$0.isASCIIDigit }.prefix { $0.isASCIIDigit || $0 == "." }
        let parts = digits.split(separator: ".").compactMap { Int($0) }
        return parts.count >= 2 ? parts : nil
    }

    /// The BuildKit version `docker buildx inspect` prints (`BuildKit version: v0.13.2`, or
    /// `Buildkit: v0.10.3` from older buildx): the oldest of the builder's nodes, which all build.
    public static func buildKitVersion(inspectOutput text: String) -> String? {
        let versions = text.split(whereSeparator: \.isNewline).compactMap { line -> String? in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, ["buildkit version", "buildkit"].contains(parts[0].trimmingCharacters(in: .whitespaces).lowercased())
            else {
                return nil
            }
            let value = parts[1].trimmingCharacters(in: .whitespaces)
            return release(value) == nil ? nil : value
        }
        return versions.min { (release($0) ?? []).lexicographicallyPrecedes(release($1) ?? []) }
    }

    /// Why this engine cannot build with BuildKit, given what its client says its version is, or
    /// nil. Docker clients from 23.0 have no BuildKit built in: without the buildx plugin they
    /// would fall back to the classic builder, which rebuilds every stage before the target. Both
    /// a run and a dry run ask this one rule.
    public func buildKitProblem(clientVersion: String) -> String? {
        let version = clientVersion.trimmingCharacters(in: .whitespacesAndNewlines)
        guard builder == .builtinBuildKit, let major = Int(version.prefix { $0.isASCIIDigit }), major >= 23 else { return nil }
        return
            "docker client \(version) at '\(executable)' has no built-in BuildKit and no buildx plugin was found (install docker-buildx, or choose a client with BuildKit built in, e.g. --engine /usr/bin/docker)"
    }
}
