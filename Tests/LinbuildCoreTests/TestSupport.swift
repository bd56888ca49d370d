import Foundation
import Testing
import LinbuildTestSupport
@testable import LinbuildCore

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

    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path + "/" + name) }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Runs the real `git`, isolated from the user's and the system's configuration (hooks, signing,
/// default branch), with a fixed identity.
enum Git {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let environment = [
        "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
    ]

    /// The trimmed standard output; a non-zero exit throws with git's own message.
    @discardableResult
    static func run(_ directory: String, _ arguments: String...) throws -> String {
        let result = try Run.command("git", ["-C", directory] + arguments, environment: environment)
        guard result.status == 0 else { throw Failure(description: "git \(arguments.joined(separator: " ")): \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A new repository on branch `main` with one commit; returns that commit's SHA.
    @discardableResult
    static func repository(at path: String, file: String = "file", text: String = "one\n") throws -> String {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try run(path, "init", "-q", "-b", "main")
        return try commit(in: path, file: file, text: text)
    }

    /// Writes `text` to `file`, commits it and returns the new commit's SHA.
    @discardableResult
    static func commit(in path: String, file: String = "file", text: String) throws -> String {
        try text.write(toFile: path + "/" + file, atomically: false, encoding: .utf8)
        try run(path, "add", "--", file)
        try run(path, "commit", "-q", "-m", text)
        return try run(path, "rev-parse", "HEAD")
    }
}

/// The shipped presets, read once.
let shippedPresets: Presets = {
    do { return try PresetsLoader.load(path: Repository.presets) } catch { fatalError("the shipped presets do not load: \(error)") }
}()

/// The shipped presets file's text with `target` replaced; records an issue if `target` is not in it,
/// so a fixture edit that silently stopped applying cannot pass for a rejection.
func shippedPresetsText(replacing target: String, with replacement: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> String {
    let text = try String(contentsOfFile: Repository.presets, encoding: .utf8)
    #expect(text.contains(target), "fixture edit does not apply: \(target)", sourceLocation: sourceLocation)
    return text.replacingOccurrences(of: target, with: replacement)
}

/// A `blackwell` entry that exists only in test data: proof that an architecture is data, not code.
let blackwellEntry = """
    "blackwell": { "gpus": "B200", "torchVersion": "2.9.0", "torchChannel": "nightly", "cudaSuffix": "cu130",
                   "cudaArchList": "10.0;12.0", "flashAttention": { "version": "3.1.0", "major": 3 },
                   "nvidiaCudaTag": "13.0.0-cudnn-devel-ubuntu24.04" }
    """

/// The shipped presets text with `blackwell` added after the three shipped architectures.
func presetsTextWithBlackwell() throws -> String {
    try shippedPresetsText(replacing: "\n    }\n  },\n  \"validation\"", with: "\n    },\n" + blackwellEntry + "\n  },\n  \"validation\"")
}

/// A plan made from the shipped presets (or others), a small Dockerfile and a fixed commit, without
/// git or an engine: what the plan suites compare.
enum PlanFixture {
    static let commit = CommitID("abcdef1234567890abcdef1234567890abcdef12")!
    static let dockerfileText = """
        ARG BASE_IMAGE
        FROM busybox:1 AS base
        RUN echo base
        FROM ${BASE_IMAGE} AS runtime
        COPY . /app
        """
}

protocol PlanMaking {}

extension PlanMaking {
    func plan(_ arguments: [String], environment: [String: String] = [:], presets: Presets = shippedPresets,
              dockerfile: String = PlanFixture.dockerfileText, engine: EngineCLI = EngineCLI(executable: "docker", builder: .buildx)) throws -> Plan {
        let options = try Options.parse(arguments, environment: environment)
        let source = ResolvedSource(location: .path("/src"), ref: options.branch ?? "main", refName: "refs/heads/main",
                                    commit: PlanFixture.commit, sourceLabel: "https://example.com/linnaeus.git")
        return try PlanBuilder(options: options, presets: presets, dockerfile: try DockerfileParser.parse(dockerfile, path: "/p/Dockerfile"),
                               source: source, engine: engine, workDirectory: "/tmp/linbuild-test", createdAt: "2026-01-01T00:00:00Z").make()
    }

    func target(_ arguments: [String], presets: Presets = shippedPresets, dockerfile: String = PlanFixture.dockerfileText) throws -> TargetPlan {
        try #require(try plan(arguments, presets: presets, dockerfile: dockerfile).targets.first)
    }

    func commands(_ plan: Plan, _ kind: Step.Kind) -> [Command] {
        plan.steps.filter { $0.kind == kind }.flatMap(\.commands)
    }
}
