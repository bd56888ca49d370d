import Foundation
import LinbuildTestSupport
import Testing

@testable import LinbuildModel
@testable import LinbuildSupport

/// A UUID-named folder under the temporary directory. Create it in a test and `remove()` it in
/// `defer`, so nothing is left behind whether the test passes or fails.
struct Scratch {
    let path: String

    init(_ label: String) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("linbuild-\(label)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes `text` to `name` inside the folder and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try text.write(toFile: file, atomically: false, encoding: .utf8)
        return file
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// The shipped presets, read once.
let shippedPresets: Presets = {
    do { return try PresetsLoader.load(path: Repository.presets) } catch { fatalError("the shipped presets do not load: \(error)") }
}()

/// The shipped presets file's text with `target` replaced; records an issue if `target` is not in it,
/// so a fixture edit that silently stopped applying cannot pass for a rejection.
func shippedPresetsText(replacing target: String, with replacement: String, sourceLocation: Testing.SourceLocation = #_sourceLocation)
    throws -> String
{
    let text = try String(contentsOfFile: Repository.presets, encoding: .utf8)
    #expect(text.contains(target), "fixture edit does not apply: \(target)", sourceLocation: sourceLocation)
    return text.replacingOccurrences(of: target, with: replacement)
}

/// A `blackwell` entry that exists only in test data: proof that an architecture is data, not code.
let blackwellEntry = """
    "blackwell": { "gpus": "B200", "torchVersion": "2.9.0", "torchvisionVersion": "0.24.0", "torchaudioVersion": "2.9.0",
                   "torchChannel": "nightly", "cudaSuffix": "cu130", "cudaArchList": "10.0;12.0",
                   "flashAttention": { "version": "3.1.0", "major": 3, "commit": "0251105a2fb19d2957484b7f023cd8c115286ced" },
                   "nvidiaCudaTag": "13.0.0-cudnn-devel-ubuntu22.04" }
    """

/// The shipped presets text with `blackwell` added after the three shipped architectures.
func presetsTextWithBlackwell() throws -> String {
    try shippedPresetsText(replacing: "\n    }\n  },\n  \"validation\"", with: "\n    },\n" + blackwellEntry + "\n  },\n  \"validation\"")
}

/// A plan made from the shipped presets (or others), a small Dockerfile and a fixed commit, without
/// git or an engine: what the plan suites compare.
enum PlanFixture {
    static let commit = CommitID("abcdef1234567890abcdef1234567890abcdef12")!
    static let dockerfileText = ContractFixture.dockerfile
}

protocol PlanMaking {}

extension PlanMaking {
    func plan(
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

    func target(_ arguments: [String], presets: Presets = shippedPresets, dockerfile: String = PlanFixture.dockerfileText) throws
        -> TargetPlan
    {
        try #require(try plan(arguments, presets: presets, dockerfile: dockerfile).targets.first)
    }

    func commands(_ plan: Plan, _ kind: Step.Kind) -> [Command] {
        plan.steps.filter { $0.kind == kind }.flatMap(\.commands)
    }
}
