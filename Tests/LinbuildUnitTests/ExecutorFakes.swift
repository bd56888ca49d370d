import Foundation
import LinbuildTestFixtures
import Testing

@testable import LinbuildModel
@testable import LinbuildProcess
@testable import LinbuildRun
@testable import LinbuildSupport

/// An engine CLI for executor tests, in memory: a local store of images by reference and ID,
/// builds that make an image from their `--label`, `--platform` and `--tag`, pulls from what the
/// test says the registry serves, pushes that print a digest. Every command is recorded; one it
/// does not know fails the test.
final class FakeEngine: ProcessRunning, @unchecked Sendable {
    struct Image: Equatable {
        var id: String
        var labels: [String: String]
        var platform: String
    }

    private let lock = NSLock()
    private var store: [String: Image]
    private let pullable: [String: Image]
    private let failing: @Sendable (Command) -> Bool
    private var recorded: [Command] = []
    private var pushed: [String: Image] = [:]
    private var built = 0
    /// Called with each command once it has run: where a test makes a signal "arrive".
    var afterCommand: (@Sendable (Command) -> Void)?

    init(local: [String: Image] = [:], pullable: [String: Image] = [:], failing: @escaping @Sendable (Command) -> Bool = { _ in false }) {
        store = local
        self.pullable = pullable
        self.failing = failing
    }

    var commands: [Command] { lock.withLock { recorded } }

    var pushedReferences: [String] { lock.withLock { Array(pushed.keys) } }

    /// The digest the registry gives a reference this engine pushed (nil: it pushed none there):
    /// another than the one its push prints, so a test can tell which one linbuild reports.
    func registryDigest(of reference: String) -> String? {
        lock.withLock { pushed[reference].map { "sha256:" + String(repeating: "e", count: 60) + String($0.id.suffix(4)) } }
    }
    /// The engine commands that change something, as `verb last-argument`: what tests compare.
    var changes: [String] {
        commands.compactMap { command -> String? in
            let words = command.arguments.first == "buildx" ? Array(command.arguments.dropFirst()) : command.arguments
            guard let verb = words.first, ["build", "pull", "push"].contains(verb) else { return nil }
            if verb == "build", let target = words.firstIndex(of: "--target") { return "build \(words[target + 1]) \(tag(of: words))" }
            return "\(verb) \(words.last ?? "")"
        }
    }

    func capture(_ command: Command, timeout: Double?, limit: Int) throws -> CapturedOutput {
        let output = lock.withLock { answer(command) }
        afterCommand?(command)
        return output
    }

    func stream(_ command: Command, to sink: OutputSink) throws -> Termination {
        let output = try capture(command, timeout: nil, limit: .max)
        if !output.stdout.isEmpty { sink.write(output.stdout, isError: false) }
        return output.termination
    }

    private func answer(_ command: Command) -> CapturedOutput {
        recorded.append(command)
        if command.executable != "docker" { return ["git", "tar", "rm", "cp"].contains(command.executable) ? ok() : unscripted(command) }
        let words = command.arguments.first == "buildx" ? Array(command.arguments.dropFirst()) : command.arguments
        if failing(command) { return CapturedOutput(termination: .exited(1), stderr: Array("scripted failure\n".utf8)) }
        switch words.first {
        case "version":
            return ok("24.0.7|24.0.7\n")
        case "image" where words.count == 5 && words[1] == "inspect":
            guard let image = find(words[4]) else {
                return CapturedOutput(termination: .exited(1), stderr: Array("Error: No such image: \(words[4])\n".utf8))
            }
            if words[3] == "{{.Id}}" { return ok(image.id + "\n") }
            let fields = image.platform.split(separator: "/")
            let labels = image.labels.map { "\"\($0.key)\":\"\($0.value)\"" }.joined(separator: ",")
            return ok(#"{"Id":"\#(image.id)","Os":"\#(fields[0])","Architecture":"\#(fields[1])","Config":{"Labels":{\#(labels)}}}"# + "\n")
        case "tag" where words.count == 3:
            guard let image = find(words[1]) else {
                return CapturedOutput(termination: .exited(1), stderr: Array("Error: No such image\n".utf8))
            }
            store[words[2]] = image
            return ok()
        case "pull":
            guard let image = pullable[words.last ?? ""] else {
                return CapturedOutput(termination: .exited(1), stderr: Array("manifest unknown\n".utf8))
            }
            store[words.last ?? ""] = image
            return ok()
        case "push":
            guard let image = find(words.last ?? "") else {
                return CapturedOutput(termination: .exited(1), stderr: Array("An image does not exist locally\n".utf8))
            }
            pushed[words.last ?? ""] = image
            return ok("latest: digest: sha256:\(String(repeating: String(image.id.suffix(1)), count: 64)) size: 1\n")
        case "build":
            built += 1
            var labels: [String: String] = [:]
            for index in words.indices where words[index] == "--label" {
                let pair = words[index + 1].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                labels[pair[0]] = pair[1]
            }
            let platform = words.firstIndex(of: "--platform").map { words[$0 + 1] } ?? "linux/amd64"
            store[tag(of: words)] = Image(id: "sha256:built\(built)", labels: labels, platform: platform)
            return ok()
        default:
            return unscripted(command)
        }
    }

    private func tag(of words: [String]) -> String { words.firstIndex(of: "--tag").map { words[$0 + 1] } ?? "" }

    private func find(_ reference: String) -> Image? {
        store[reference] ?? store.values.first { $0.id == reference }
    }

    private func ok(_ stdout: String = "") -> CapturedOutput { CapturedOutput(termination: .exited(0), stdout: Array(stdout.utf8)) }

    private func unscripted(_ command: Command) -> CapturedOutput {
        Issue.record("the fake engine was not told about: \(command.shellLine)")
        return CapturedOutput(termination: .exited(127))
    }
}

/// A registry that answers only what the test scripted: any other question fails the test, so
/// no test reads "absent" out of a registry it never meant to ask.
final class ScriptedRegistry: RegistryChecking, @unchecked Sendable {
    enum Answer {
        case image(RegistryImage)
        case absent
        case unreachable
    }

    struct Unreachable: Error, CustomStringConvertible {
        var description: String { "connection refused" }
    }

    private let lock = NSLock()
    private let answers: [String: Answer]
    private var questions: [String] = []
    /// The engine whose pushes this registry receives: it answers their manifests' digests.
    var pushes: FakeEngine?
    /// Called with each reference asked about, before the answer: where a test makes a signal "arrive".
    var onAsk: (@Sendable (String) -> Void)?

    init(_ answers: [String: Answer] = [:]) { self.answers = answers }

    /// The references asked about, in order (`name:tag` as the registry sees it).
    var asked: [String] { lock.withLock { questions } }

    func image(of reference: ImageReference, platform: String) throws -> RegistryImage? {
        let key = answers.keys.first { ImageReference($0) == reference }
        lock.withLock { questions.append("\(reference.name):\(reference.tag)") }
        onAsk?("\(reference.name):\(reference.tag)")
        guard let key, let answer = answers[key] else {
            Issue.record("the registry was asked about \(reference.name):\(reference.tag), which the test did not script")
            throw Unreachable()
        }
        switch answer {
        case .image(let image): return image
        case .absent: return nil
        case .unreachable: throw Unreachable()
        }
    }

    /// Whether a tag is there (one `HEAD`): what the check asks of the immutable tag, and what
    /// the run asks after each push, for the digest the tag now has (answered from the engine's
    /// pushes, not recorded in `asked`).
    func manifest(of reference: ImageReference) -> RegistryAnswer {
        if let pushed = pushes?.pushedReferences.first(where: { ImageReference($0) == reference }),
            let digest = pushes?.registryDigest(of: pushed)
        {
            return .present(digest: digest)
        }
        let key = answers.keys.first { ImageReference($0) == reference }
        lock.withLock { questions.append("\(reference.name):\(reference.tag)") }
        onAsk?("\(reference.name):\(reference.tag)")
        guard let key, let answer = answers[key] else {
            Issue.record("the registry was asked about \(reference.name):\(reference.tag), which the test did not script")
            return .unknown("not scripted")
        }
        switch answer {
        case .image(let image): return .present(digest: image.digest)
        case .absent: return .absent
        case .unreachable: return .unknown("connection refused")
        }
    }
}

/// A signal "arrives" when the test says: `arrive(2)` is Ctrl-C, `arrive(15)` SIGTERM.
final class ScriptedInterrupts: InterruptSource, @unchecked Sendable {
    private let lock = NSLock()
    private var signal: Int32?

    func arrive(_ number: Int32) { lock.withLock { if signal == nil { signal = number } } }

    var receivedSignal: Int32? { lock.withLock { signal } }
}
