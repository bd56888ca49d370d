import Foundation
import LinbuildModel
import LinbuildRun

/// `linbuild preflight [--arch NAME|all]`: one line per upstream input per architecture; exit 65
/// when one is absent. The same check runs before any base build (`--no-preflight` skips it).
struct PreflightCommand: LinbuildCommand {
    var context: Context

    func run() throws {
        let options = context.options, console = context.console
        let architectures = try options.architectures(in: context.presets)
        let results = context.preflight(of: architectures, dockerfile: try context.dockerfile()).run()
        for result in results { console.out(result.line + "\n") }
        // What --max-jobs auto would choose on the engine, when one answers (preflight needs none).
        let resources = EngineResources.query(engine: context.engine, runner: context.runner, timeout: min(options.probeTimeout, 5))
        let choices = JobSizing.choices(
            requested: options.maxJobs, presets: context.presets, architectures: architectures, resources: resources)
        for architecture in architectures {
            if let choice = choices[architecture.name] { console.out("max jobs [\(architecture.name)] \(choice.reason)\n") }
        }
        try Preflight.conclude(results, console: console)
    }
}
