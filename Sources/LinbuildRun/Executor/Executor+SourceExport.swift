import Foundation
import LinbuildModel
import LinbuildProcess
import LinbuildSupport

/// The source export: the plan's commands (git archive, tar, …), captured, then what a fetched
/// commit holds besides its tracked files.
extension Executor {
    func exportSource(_ step: Step) throws {
        for command in step.commands {
            console.detail(command.shellLine)
            let output: CapturedOutput
            do {
                output = try runner.capture(command.revealed, timeout: nil, limit: 64 * 1024)
            } catch let failure as LaunchFailure {
                throw failure.error(fix: "install it")
            }
            if let signal = interrupts.receivedSignal { throw LinbuildError.interrupted(signal: signal) }
            guard output.termination.succeeded else {
                let detail = output.stderrSummary.isEmpty ? "\(command.executable) \(output.termination)" : output.stderrSummary
                throw LinbuildError.gitFailed(repository: plan.source, detail: "exporting \(plan.commit.short) failed: \(detail)")
            }
        }
        if let warning = try SourceExport.checkFetched(plan, runner: runner) { console.warning(warning) }
    }
}
