import Foundation

/// A build's hooks around each base build: say how `MAX_JOBS` was chosen, run the preflight
/// (unless `--no-preflight`), say how long the last build of the same inputs took on this
/// engine, and record this one's time when it succeeds.
///
/// The preflight runs once, at the first base build, for that architecture and every one after
/// it in the plan (their bases may still be built; the ones before were found cached): an input
/// missing for a later architecture stops the run before the first hour is spent.
final class BuildHooks: BaseBuildHooks, @unchecked Sendable {
    let command: BuildCommand
    let engineID: String
    let history: BuildHistory
    let architectures: [String]
    private let lock = NSLock()
    private var checked = false

    init(command: BuildCommand, engineID: String, history: BuildHistory, architectures: [String]) {
        self.command = command
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
            let dockerfile = try DockerfileParser.load(path: command.locations.dockerfile(command.presets))
            let results = PreflightCommand.preflight(architectures: remaining, presets: command.presets, dockerfile: dockerfile,
                                                     options: command.options, environment: command.environment, runner: command.runner).run()
            for result in results { console.info(result.line) }
            try PreflightCommand.conclude(results, console: console)
        }
        if let seconds = history.last(engine: engineID, digest: target.baseInputs.digest) {
            console.info("base [\(target.arch)]: the last build of these inputs on this engine took \(BuildHistory.duration(seconds))")
        } else {
            console.info("base [\(target.arch)]: no earlier build of these inputs on this engine (hours, for a real CUDA base)")
        }
    }

    func didBuild(_ target: TargetPlan, seconds: Double) {
        history.record(engine: engineID, digest: target.baseInputs.digest, seconds: seconds)
    }
}
