import Foundation
import LinbuildProcess
import LinbuildSupport

/// A `ProcessRunning` for unit tests: records every command and answers from a script of
/// (predicate, output) pairs. A command nothing in the script answers fails the test loudly
/// (exit 127 and a marker on stderr), so no test reaches the real world by accident.
public final class ScriptedRunner: ProcessRunning, @unchecked Sendable {
    public typealias Answer = (matches: @Sendable (Command) -> Bool, output: CapturedOutput)

    private let lock = NSLock()
    private var answers: [Answer]
    private var recorded: [Command] = []

    public init(_ answers: [Answer] = []) { self.answers = answers }

    public var commands: [Command] { lock.withLock { recorded } }

    public func answer(_ matches: @escaping @Sendable (Command) -> Bool, _ output: CapturedOutput) {
        lock.withLock { answers.append((matches, output)) }
    }

    public func capture(_ command: Command, timeout: Double?, limit: Int) throws -> CapturedOutput {
        lock.withLock {
            recorded.append(command)
            return answers.first { $0.matches(command) }?.output
                ?? CapturedOutput(termination: .exited(127), stderr: Array("ScriptedRunner: unscripted command \(command.shellLine)".utf8))
        }
    }

    public func stream(_ command: Command, to sink: OutputSink) throws -> Termination {
        let output = try capture(command, timeout: nil, limit: .max)
        if !output.stdout.isEmpty { sink.write(output.stdout, isError: false) }
        if !output.stderr.isEmpty { sink.write(output.stderr, isError: true) }
        return output.termination
    }
}
