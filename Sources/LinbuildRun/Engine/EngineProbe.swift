import Foundation
import LinbuildModel
import LinbuildProcess
import LinbuildSupport

/// Questions to the engine that must answer quickly: is it there, which BuildKit path works,
/// and what does the local store hold. Each has a timeout, so a dead daemon is an error in
/// seconds rather than a hang.
public struct EngineProbe: Sendable {
    public var engine: EngineCLI
    public var runner: ProcessRunning
    public var timeout: Double

    public init(engine: EngineCLI, runner: ProcessRunning, timeout: Double = 20) {
        self.engine = engine
        self.runner = runner
        self.timeout = timeout
    }

    public struct Versions: Equatable, Sendable {
        public var client: String
        public var server: String
    }

    /// The client and server versions; fails with exit 69 when the engine cannot be reached or,
    /// when it will build, the chosen builder cannot work with this client.
    public func verify(forBuilds: Bool = true) throws -> Versions {
        let format = engine.isPodman ? "{{.Client.Version}}|{{.Client.Version}}" : "{{.Client.Version}}|{{.Server.Version}}"
        let output = try captureOrUnavailable(engine.command(["version", "--format", format]))
        let fields = output.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines).split(
            separator: "|", omittingEmptySubsequences: false)
        guard output.termination.succeeded, fields.count == 2, !fields[1].isEmpty else {
            let why = output.termination == .timedOut ? "no answer within \(Int(timeout)) s" : output.stderrSummary
            throw LinbuildError.engineUnavailable(
                "cannot reach the engine through '\(engine.executable)'\(why.isEmpty ? "" : ": \(why)") (start the daemon, or point DOCKER_HOST or --context at one)"
            )
        }
        let versions = Versions(client: String(fields[0]), server: String(fields[1]))
        if forBuilds, let problem = engine.buildKitProblem(clientVersion: versions.client) {
            throw LinbuildError.engineUnavailable(problem)
        }
        return versions
    }

    /// The client's own version; nil when the client cannot say (a dry run then prints its plan,
    /// and a run finds out in `verify`). The client prints it even when no daemon answers (it then
    /// exits 1), so what it printed is read whatever its exit status.
    public func clientVersion() -> String? {
        guard let output = try? runner.capture(engine.command(["version", "--format", "{{.Client.Version}}"]), timeout: timeout)
        else { return nil }
        let version = output.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
        return version.isEmpty ? nil : version
    }

    /// The BuildKit version of the buildx builder (`docker buildx inspect`), or nil when buildx is
    /// not the builder or does not say. Whether layer timestamps can be rewritten depends on it.
    public func buildKitVersion() -> String? {
        guard engine.builder == .buildx else { return nil }
        let inspect = engine.command(["buildx", "inspect"] + (engine.buildxBuilder.map { [$0] } ?? []))
        guard let output = try? runner.capture(inspect, timeout: timeout), output.termination.succeeded else { return nil }
        return EngineCLI.buildKitVersion(inspectOutput: output.stdoutText)
    }

    /// The labels of a local image, or `nil` when the store does not have it.
    public func localLabels(of image: String) throws -> [String: String]? {
        try inspect(image, format: "{{json .Config.Labels}}").map(Self.decodeLabels)
    }

    /// What `image inspect --format format` prints about a local image, or `nil` when the store
    /// does not have it; exit 69 when the engine cannot say.
    func inspect(_ image: String, format: String) throws -> String? {
        let output = try captureOrUnavailable(engine.command(["image", "inspect", "--format", format, image]))
        guard output.termination.succeeded else {
            let message = String(decoding: output.stderr, as: UTF8.self).lowercased()
            if message.contains("no such image") || message.contains("image not known") || message.contains("failed to find image") {
                return nil
            }
            throw LinbuildError.engineUnavailable("cannot inspect \(image): \(output.stderrSummary) (is the engine running?)")
        }
        return output.stdoutText
    }

    /// The image ID the local store gives `image` (for the summary).
    public func imageID(of image: String) -> String? {
        guard let output = try? runner.capture(engine.command(["image", "inspect", "--format", "{{.Id}}", image]), timeout: timeout),
            output.termination.succeeded
        else { return nil }
        let id = output.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
        return id.isEmpty ? nil : id
    }

    private func captureOrUnavailable(_ command: Command) throws -> CapturedOutput {
        do {
            return try runner.capture(command, timeout: timeout)
        } catch let failure as LaunchFailure {
            throw failure.engineError
        }
    }

    /// `{{json .Config.Labels}}`: an object, or `null` when the image has none.
    static func decodeLabels(_ json: String) -> [String: String] {
        (try? JSONDecoder().decode([String: String]?.self, from: Data(json.utf8))) ?? [:]
    }
}
