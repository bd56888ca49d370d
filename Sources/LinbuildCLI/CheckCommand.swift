import LinbuildModel
import LinbuildRun
import LinbuildSupport

/// `linbuild check`: the contract between presets, plan and Dockerfile, without an engine. Every
/// problem is printed, one line each, then the run fails with 65.
struct CheckCommand: LinbuildCommand {
    var context: Context

    func run() throws {
        let dockerfile = try context.dockerfile()
        let architectures = try context.options.architectures(in: context.presets, whenAbsent: .all)
        // The locations of a run from here: a location that carries credentials must reach every
        // RUN that uses it as a build secret.
        let problems = ContractCheck.problems(
            dockerfile: dockerfile, presets: context.presets, architectures: architectures,
            locations: context.presets.defaults.locations.overridden(byArguments: context.options.locationOverrides))
        for problem in problems.dropLast() { context.console.error(problem.description) }
        if let last = problems.last { throw LinbuildError.contract(last.description) }
        context.console.out("ok: \(dockerfile.path) matches the plan for \(architectures.map(\.name).joined(separator: ", "))\n")
    }
}
