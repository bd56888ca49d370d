import Foundation
import LinbuildModel
import LinbuildRun

/// A build's hooks around each base build: say how `MAX_JOBS` was chosen, run the preflight
/// (unless `--no-preflight`), say how long the last build of the same inputs took on this
/// engine, and record this one's time when it succeeds.
///
/// The preflight runs once, at the first base build, for that architecture and every one after
/// it in the plan (their bases may still be built; the ones before were found cached): an input
/// missing for a later architecture stops the run before the first hour is spent.
final class BuildHooks: BaseBuildHooks, @unchecked Sendable {
    let command: BuildCommand
    /// The Dockerfile the plan was made from: the preflight reads its defaults.
    let dockerfile: Dockerfile
    let engineID: String
    let history: BuildHistory
    let architectures: [String]
    private let lock = NSLock()
    private var checked = false
    private var ticker: DispatchSourceTimer?
    /// How often the elapsed time is shown: redrawn each second on a terminal, a plain line every
    /// five minutes in logs (CI).
    static let plainInterval = 300.0

    init(command: BuildCommand, dockerfile: Dockerfile, engineID: String, history: BuildHistory, architectures: [String]) {
        self.command = command
        self.dockerfile = dockerfile
        self.engineID = engineID
        self.history = history
        self.architectures = architectures
    }

    func willBuild(_ target: TargetPlan) throws {
        let console = command.console
        if let reason = target.maxJobsReason { console.info("base [\(target.arch)]: \(reason)") }
        let first = lock.withLock { () -> Bool in
            defer { checked = true }
            return !checked
        }
        if first, !command.options.noPreflight {
            let remaining = architectures.drop { $0 != target.arch }.compactMap(command.presets.architecture(named:))
            let results = PreflightCommand.preflight(
                architectures: remaining, presets: command.presets, dockerfile: dockerfile,
                options: command.options, environment: command.environment, runner: command.runner
            ).run()
            for result in results { console.info(result.line) }
            try PreflightCommand.conclude(results, console: console)
        }
        let last = history.last(engine: engineID, digest: target.baseInputs.digest)
        if let last {
            console.info("base [\(target.arch)]: the last build of these inputs on this engine took \(BuildHistory.duration(last))")
        } else {
            console.info("base [\(target.arch)]: no earlier build of these inputs on this engine (hours, for a real CUDA base)")
        }
        startTicker(arch: target.arch, last: last)
    }

    func didBuild(_ target: TargetPlan, seconds: Double?) {
        lock.withLock {
            ticker?.cancel(); ticker = nil
        }
        command.console.setStatus(nil)
        if let seconds { history.record(engine: engineID, digest: target.baseInputs.digest, seconds: seconds) }
    }

    private func startTicker(arch: String, last: Double?) {
        let console = command.console
        guard console.verbosity != .quiet else { return }
        let started = Date()
        let timer = DispatchSource.makeTimerSource(queue: .global())
        let interval = console.liveStatus ? 1.0 : Self.plainInterval
        timer.schedule(deadline: .now() + (console.liveStatus ? 0 : interval), repeating: interval)
        timer.setEventHandler {
            let text =
                "base [\(arch)]: \(Self.clock(Date().timeIntervalSince(started))) elapsed"
                + (last.map { " (the last build took \(BuildHistory.duration($0)))" } ?? "")
            if console.liveStatus { console.setStatus(console.paint(text, code: "2")) } else { console.info(text) }
        }
        lock.withLock { ticker = timer }
        timer.resume()
    }

    /// `0:07`, `12:03`, `1:02:09`.
    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds)
        let (hours, minutes, rest) = (total / 3600, (total % 3600) / 60, total % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, rest) : String(format: "%d:%02d", minutes, rest)
    }
}
