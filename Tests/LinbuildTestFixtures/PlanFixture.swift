import Foundation
import LinbuildModel
import LinbuildSupport
import Testing

/// The shipped presets, read once.
public let shippedPresets: Presets = {
    do { return try PresetsLoader.load(path: Repository.presets) } catch { fatalError("the shipped presets do not load: \(error)") }
}()

/// The shipped presets file's text with `target` replaced; records an issue if `target` is not in it,
/// so a fixture edit that silently stopped applying cannot pass for a rejection.
public func shippedPresetsText(
    replacing target: String, with replacement: String, sourceLocation: Testing.SourceLocation = #_sourceLocation
)
    throws -> String
{
    let text = try String(contentsOfFile: Repository.presets, encoding: .utf8)
    #expect(text.contains(target), "fixture edit does not apply: \(target)", sourceLocation: sourceLocation)
    return text.replacingOccurrences(of: target, with: replacement)
}

/// A `blackwell` entry that exists only in test data: proof that an architecture is data, not code.
public let blackwellEntry = """
    "blackwell": { "gpus": "B200", "torchVersion": "2.9.0", "torchvisionVersion": "0.24.0", "torchaudioVersion": "2.9.0",
                   "torchChannel": "nightly", "cudaSuffix": "cu130", "cudaArchList": "10.0;12.0",
                   "flashAttention": { "version": "3.1.0", "major": 3, "commit": "0251105a2fb19d2957484b7f023cd8c115286ced" },
                   "nvidiaCudaTag": "13.0.0-cudnn-devel-ubuntu22.04" }
    """

/// The shipped presets text with `blackwell` added after the three shipped architectures.
public func presetsTextWithBlackwell() throws -> String {
    try shippedPresetsText(replacing: "\n    }\n  },\n  \"validation\"", with: "\n    },\n" + blackwellEntry + "\n  },\n  \"validation\"")
}

/// A plan made from the shipped presets (or others), a small Dockerfile and a fixed commit, without
/// git or an engine: what the plan suites compare.
public enum PlanFixture {
    public static let commit = CommitID("abcdef1234567890abcdef1234567890abcdef12")!
    public static let dockerfileText = ContractFixture.dockerfile

    /// A plan for the printed views: its ref and commit hold what a shell would misread
    /// (`feat/it's-$HOME`), its base stage is bare, its engine needs `DOCKER_BUILDKIT=1`.
    public static func scriptPlan(_ arguments: [String]) throws -> Plan {
        let options = try Options.parse(arguments + ["--branch", scriptRef], environment: [:])
        return try PlanBuilder(
            options: options, presets: shippedPresets, architectures: try options.architectures(in: shippedPresets),
            dockerfile: try DockerfileParser.parse("ARG BASE_IMAGE\nFROM a AS base\nFROM ${BASE_IMAGE} AS runtime\n", path: "/D"),
            source: ResolvedSource(location: .path("/src"), ref: scriptRef, refName: nil, commit: scriptCommit, sourceLabel: "/src"),
            engine: EngineCLI(executable: "docker", builder: .builtinBuildKit), workDirectory: "/tmp/w", createdAt: "t"
        ).make()
    }

    public static let scriptCommit = CommitID(String(repeating: "a", count: 40))!
    public static let scriptRef = "feat/it's-$HOME"
}

/// A suite that makes plans from options, as `PlanBuilder` would for a run.
public protocol PlanMaking {}

extension PlanMaking {
    public func plan(
        _ arguments: [String], environment: [String: String] = [:], presets: Presets = shippedPresets,
        dockerfile: String = PlanFixture.dockerfileText, engine: EngineCLI = EngineCLI(executable: "docker", builder: .buildx)
    ) throws -> Plan {
        let options = try Options.parse(arguments, environment: environment)
        // `--branch` names a branch of that name (the plan reads the ref it resolved to)
        let branch = options.branch ?? "main"
        let source = ResolvedSource(
            location: .path("/src"), ref: branch, refName: branch.hasPrefix("refs/") ? branch : "refs/heads/" + branch,
            commit: PlanFixture.commit, sourceLabel: "https://example.com/linnaeus.git")
        return try PlanBuilder(
            options: options, presets: presets, architectures: try options.architectures(in: presets),
            dockerfile: try DockerfileParser.parse(dockerfile, path: "/p/Dockerfile"),
            source: source, engine: engine, workDirectory: "/tmp/linbuild-test", createdAt: "2026-01-01T00:00:00Z"
        ).make()
    }

    public func target(_ arguments: [String], presets: Presets = shippedPresets, dockerfile: String = PlanFixture.dockerfileText) throws
        -> TargetPlan
    {
        try #require(try plan(arguments, presets: presets, dockerfile: dockerfile).targets.first)
    }

    public func commands(_ plan: Plan, _ kind: Step.Kind) -> [Command] {
        plan.steps.filter { $0.kind == kind }.flatMap(\.commands)
    }
}
