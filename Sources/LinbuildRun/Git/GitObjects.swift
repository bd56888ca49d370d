import Foundation
import LinbuildModel
import LinbuildProcess
import LinbuildSupport

/// The objects of one repository, asked through one long-lived `git cat-file --batch-command`:
/// refs (`info refs/heads/x^{}`), trees and blobs, each exchange a batch of questions. A plan asks
/// git this way, instead of starting a process per question (for-each-ref, ls-tree, cat-file,
/// rev-parse…): each git process costs about as much as linbuild's own start-up.
final class GitObjects {
    /// What `info` says about a name: the object it names, or why it names none.
    enum Info: Equatable {
        case object(sha: String, type: String, size: Int)
        case missing
        /// A short SHA that several objects start with.
        case ambiguous
    }

    let repository: String
    private let session: ProcessSession
    /// Questions per exchange: the answers come back while the rest is read, but the questions
    /// are written whole first, so they stay far below a socket's buffer.
    static let batch = 256

    init(repository: String, runner: ProcessRunning, timeout: Double) throws {
        self.repository = repository
        do {
            session = try runner.session(
                Command("git", ["-C", repository, "cat-file", "--batch-command", "--buffer"], environment: GitSettings.environment),
                timeout: timeout)
        } catch let failure as LaunchFailure {
            throw failure.error(fix: "install it: apt-get install git")
        }
    }

    deinit { session.close() }

    /// What each name (any revision git reads: `refs/tags/v1^{}`, `abc123^{commit}`) is, in order.
    func info(_ names: [String]) throws -> [Info] {
        try ask("info", names).map(\.info)
    }

    /// Each named object and its bytes (nil where `info` would not say `object`), in order.
    func contents(_ names: [String]) throws -> [(info: Info, bytes: [UInt8])] {
        try ask("contents", names)
    }

    private func ask(_ verb: String, _ names: [String]) throws -> [(info: Info, bytes: [UInt8])] {
        var answers: [(info: Info, bytes: [UInt8])] = []
        for start in stride(from: 0, to: names.count, by: Self.batch) {
            let chunk = names[start..<min(start + Self.batch, names.count)]
            let input = chunk.map { "\(verb) \($0)\n" }.joined() + "flush\n"
            let withBodies = verb == "contents"
            let bytes: [UInt8]
            do {
                bytes = try session.exchange(Array(input.utf8)) {
                    Self.parse($0, count: chunk.count, withBodies: withBodies, keep: false)?.consumed
                }
            } catch let ended as SessionEnded {
                if String(decoding: ended.output.stderr, as: UTF8.self).contains("not a git repository") {
                    throw LinbuildError.notARepository(repository)
                }
                throw LinbuildError.gitFailed(repository: repository, detail: Self.detail(ended))
            }
            guard let parsed = Self.parse(bytes, count: chunk.count, withBodies: withBodies) else {
                throw InternalError("git cat-file's answer did not parse after it was read whole")
            }
            answers += parsed.answers
        }
        return answers
    }

    private static func detail(_ ended: SessionEnded) -> String {
        ended.output.termination == .timedOut ? "git cat-file did not answer in time" : "\(ended)"
    }

    /// `count` answers, if `bytes` holds them whole: each a line `<sha> <type> <size>` (with
    /// `withBodies`, then `<size>` bytes and a newline) or `<name> missing` / `<name> ambiguous`.
    /// (`keep: false` only measures: the answer is parsed again, once, when it is whole.)
    static func parse(_ bytes: [UInt8], count: Int, withBodies: Bool, keep: Bool = true) -> (
        answers: [(info: Info, bytes: [UInt8])], consumed: Int
    )? {
        var answers: [(info: Info, bytes: [UInt8])] = []
        var index = 0, parsed = 0
        while parsed < count {
            parsed += 1
            guard let newline = bytes[index...].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
            let line = String(decoding: bytes[index..<newline], as: UTF8.self)
            index = newline + 1
            if line.hasSuffix(" missing") || line.hasSuffix(" ambiguous") {
                if keep { answers.append((line.hasSuffix(" missing") ? .missing : .ambiguous, [])) }
                continue
            }
            let fields = line.split(separator: " ")
            guard fields.count == 3, let size = Int(fields[2]) else { return nil }
            let info = Info.object(sha: String(fields[0]), type: String(fields[1]), size: size)
            guard withBodies else {
                if keep { answers.append((info, [])) }
                continue
            }
            guard bytes.count >= index + size + 1 else { return nil }
            if keep { answers.append((info, Array(bytes[index..<(index + size)]))) }
            index += size + 1
        }
        return (answers, index)
    }
}
