import Foundation
import LinbuildModel
import LinbuildProcess
import LinbuildSupport

/// The long steps (builds, pulls, pushes): their output streams live to the terminal and to a log
/// per step.
extension Executor {
    /// Runs a long step's commands with their output live on the terminal and in its log; returns
    /// the image ID (or, for a push, the digest the registry now gives the tag), and records a
    /// summary row for it unless `record` is false.
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
            guard command.runValues.isEmpty else {
                output.finish()
                throw InternalError("\(step.title) holds a value the run does not supply: \(command.shellLine)")
            }
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
        let image = (shownImage ?? step.image).flatMap { outcome == .pushed ? pushedDigest(of: $0) : probe.imageID(of: $0) }
        if record { summary.rows.append(.init(step: row, outcome: outcome, seconds: seconds, image: image, note: note)) }
        return image
    }

    /// What the registry answers for the tag just pushed: its manifest's digest (a `HEAD`), not a
    /// line scraped from the client's log. Nil when the registry does not say.
    func pushedDigest(of reference: String) -> String? {
        guard let parsed = ImageReference(reference), case .present(let digest) = registry.manifest(of: parsed) else { return nil }
        return digest
    }

    /// After a failed build or push: if the engine no longer answers, that is why (exit 69), not the
    /// Dockerfile.
    func requireEngine(_ probe: EngineProbe, after step: Step, log: String) throws {
        do {
            _ = try probe.verify(forBuilds: false)
        } catch let error as LinbuildError where error.exitCode == .unavailable {
            throw LinbuildError.engineUnavailable(
                "the engine stopped answering during \(step.title) (\(error)); the step's log is \(log) (restart the engine and run again)")
        }
    }
}
