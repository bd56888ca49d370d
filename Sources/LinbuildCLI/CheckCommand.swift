import LinbuildModel
import LinbuildRun
import LinbuildSupport

/// `linbuild check`: the contract between presets, plan and Dockerfile, without an engine. Every
/// problem is printed, one line each, then the run fails with 65.
struct CheckCommand {
    var options: Options
    var presets: Presets
    var locations: Locations
    var console: Console

    func run() throws {
        let dockerfile = try DockerfileParser.load(path: locations.dockerfile(presets))
        let architectures = try PlanBuilder.architectures(options.arches ?? .all, in: presets)
        // The locations of a run from here: a location that carries credentials must reach every
        // RUN that uses it as a build secret.
        let problems = ContractCheck.problems(
            dockerfile: dockerfile, presets: presets, architectures: architectures,
            locations: presets.defaults.locations.overridden(byArguments: options.locationOverrides))
        for problem in problems.dropLast() { console.error(problem.description) }
        if let last = problems.last { throw LinbuildError.contract(last.description) }
        console.out("ok: \(dockerfile.path) matches the plan for \(architectures.map(\.name).joined(separator: ", "))\n")
    }
}
