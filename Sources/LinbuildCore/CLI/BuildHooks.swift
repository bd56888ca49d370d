/// A build's hooks around each base build: say how `MAX_JOBS` was chosen, run the preflight for
/// that architecture (unless `--no-preflight`), say how long the last build of the same inputs
/// took on this engine, and record this one's time when it succeeds.
struct BuildHooks: BaseBuildHooks {
    var command: BuildCommand
    var engineID: String
    var history: BuildHistory

    func willBuild(_ target: TargetPlan) throws {
        let console = command.console
        if let reason = target.maxJobsReason { console.info("base [\(target.arch)]: \(reason)") }
        if !command.options.noPreflight, let architecture = command.presets.architecture(named: target.arch) {
            let dockerfile = try DockerfileParser.load(path: command.locations.dockerfile(command.presets))
            let results = PreflightCommand.preflight(architectures: [architecture], presets: command.presets, dockerfile: dockerfile,
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
