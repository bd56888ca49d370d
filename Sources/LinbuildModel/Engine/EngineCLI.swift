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

    /// `build` with the builder's own spelling and BuildKit switch.
    public func build(_ arguments: [String]) -> Command {
        let progressFlag = progress.map { ["--progress", $0] } ?? []
        switch builder {
        case .buildx:
            return command(["buildx", "build", "--load"] + (buildxBuilder.map { ["--builder", $0] } ?? []) + progressFlag + arguments)
        case .builtinBuildKit:
            return command(["build"] + progressFlag + arguments, environment: ["DOCKER_BUILDKIT": "1"])
        case .podman:
            return command(["build"] + arguments)
        }
    }
}

extension EngineCLI {
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
