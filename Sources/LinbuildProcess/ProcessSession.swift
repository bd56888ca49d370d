import Foundation
import LinbuildSupport

/// A child that answers, one exchange after another, what is written to its standard input
/// (`git cat-file --batch-command`): started once, it keeps running until `close()`, so a run asks
/// one process many questions instead of starting one per question.
public protocol ProcessSession: AnyObject {
    /// Writes `input` (small: the caller keeps each exchange to a few hundred lines), then reads
    /// the child's answer until `answered` says how many of the bytes read so far make it whole
    /// (nil: not yet). Throws `SessionEnded` when the child ends, or runs past the session's
    /// timeout, before the answer is whole.
    func exchange(_ input: [UInt8], answered: ([UInt8]) -> Int?) throws -> [UInt8]
    /// Ends the child's input and waits for it.
    func close()
}

/// The child of a session ended (or was killed at its timeout) before it answered.
public struct SessionEnded: Error, Sendable, CustomStringConvertible {
    /// How it ended, and what it wrote to stderr.
    public var output: CapturedOutput

    public var description: String {
        output.stderrSummary.isEmpty ? "it ended (\(output.termination))" : output.stderrSummary
    }
}

/// A session for runners that cannot keep a child: each exchange runs the command once, with the
/// input as its standard input, and its whole output is the answer (scripted runners in tests
/// answer this way; the real ones keep one child).
final class OneShotSession: ProcessSession {
    let runner: ProcessRunning
    let command: Command
    let timeout: Double

    init(runner: ProcessRunning, command: Command, timeout: Double) {
        self.runner = runner
        self.command = command
        self.timeout = timeout
    }

    func exchange(_ input: [UInt8], answered: ([UInt8]) -> Int?) throws -> [UInt8] {
        var once = command
        once.standardInput = String(decoding: input, as: UTF8.self)
        let output = try runner.capture(once, timeout: timeout)
        guard output.termination.succeeded, let count = answered(output.stdout) else { throw SessionEnded(output: output) }
        return Array(output.stdout.prefix(count))
    }

    func close() {}
}

extension ProcessRunning {
    /// Runs the command once per exchange; `SpawnProcessRunner` keeps one child instead.
    public func session(_ command: Command, timeout: Double) throws -> ProcessSession {
        OneShotSession(runner: self, command: command, timeout: timeout)
    }
}
