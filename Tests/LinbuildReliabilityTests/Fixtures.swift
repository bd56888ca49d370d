import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport

/// A UUID-named folder with a one-commit git repository in `source`, removed by `remove()`.
struct Sandbox {
    let root: String
    var source: String { root + "/source" }
    /// Created by an injected command, if one ever ran.
    var marker: String { root + "/INJECTED" }

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("linbuild-reliability-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        try Git.run(source, "init", "-q", "-b", "main")
        try Git.run(source, "commit", "-q", "--allow-empty", "-m", "init")
    }

    /// Runs linbuild in the sandbox (so a relative `touch` would land here) against the
    /// shipped presets and Dockerfile and the sandbox's repository.
    func linbuild(_ arguments: [String], environment: [String: String] = [:]) throws -> Run.Result {
        try Run.command(
            Run.linbuild, ["--presets", Repository.presets, "--dockerfile", Repository.dockerfile, "--source", source] + arguments,
            environment: environment.merging(["NO_COLOR": "1", "TMPDIR": root]) { mine, _ in mine }, directory: root)
    }

    var injected: Bool { FileManager.default.fileExists(atPath: marker) }

    func remove() { try? FileManager.default.removeItem(atPath: root) }
}

/// SplitMix64: a tiny seeded generator, so a failing sweep case can be replayed from its seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
