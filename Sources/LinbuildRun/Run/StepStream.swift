import Foundation
import LinbuildModel
import LinbuildProcess
import LinbuildSupport

/// The steps that run programs: the source export (captured) and the long steps whose output
/// streams live to the terminal and to a log per step.
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

    /// Runs a long step with its output live on the terminal and in its log; returns the image ID
    /// (or pushed digest), and records a summary row for it unless `record` is false.
    @discardableResult
    func stream(
        _ step: Step, summary: inout RunSummary, note: String?, probe: EngineProbe,
        outcome: RunSummary.Outcome = .built, shownImage: String? = nil, record: Bool = true
    ) throws -> String? {
        let started = Date()
        let logPath = logDirectory + "/" + step.name(.logFile)
        let output = try StepOutput(logPath: logPath, console: console, echo: console.verbosity != .quiet)
        if console.githubActions { console.out("::group::\(step.title)\n") }
        console.info(console.paint("==> \(step.title)" + ((shownImage ?? step.image).map { ": \($0)" } ?? ""), code: "1;34"))
        var termination: Termination = .exited(0)
        for command in step.commands where termination.succeeded {
            console.detail(command.shellLine)
            let secrets = try SecretFiles.write(for: command)
            defer { secrets.remove() }
            do {
                termination = try runner.stream(command, to: output)
            } catch let failure as LaunchFailure {
                output.finish()
                throw failure.engineError
            }
        }
        output.finish()
        if console.githubActions { console.out("::endgroup::\n") }
        let seconds = Date().timeIntervalSince(started)
        let row = step.name(.summaryRow)
        if let signal = interrupts.receivedSignal {
            summary.rows.append(.init(step: row, outcome: .failed, seconds: seconds, note: "interrupted"))
            throw LinbuildError.interruptedDuring(signal: signal, step: step.title)
        }
        guard termination.succeeded else {
            summary.rows.append(.init(step: row, outcome: .failed, seconds: seconds, note: "log: \(logPath)"))
            try requireEngine(probe, after: step, log: logPath)
            if step.kind.isPush {
                throw LinbuildError.pushFailed(
                    "pushing \(step.image ?? "") failed (\(termination)); see \(logPath); nothing after it was pushed (run 'docker login' if access was refused)"
                )
            }
            throw LinbuildError.buildFailed(step: step.title, status: "\(termination)", log: logPath)
        }
        let image = outcome == .pushed ? output.pushedDigest : (shownImage ?? step.image).flatMap(probe.imageID(of:))
        if record { summary.rows.append(.init(step: row, outcome: outcome, seconds: seconds, image: image, note: note)) }
        return image
    }
}
