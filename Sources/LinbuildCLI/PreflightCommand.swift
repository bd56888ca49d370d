import Foundation
import LinbuildModel
import LinbuildProcess
import LinbuildRun

/// `linbuild preflight [--arch NAME|all]`: one line per upstream input per architecture; exit 65
/// when one is absent. The same check runs before any base build (`--no-preflight` skips it).
struct PreflightCommand {
    var options: Options
    var presets: Presets
    var locations: Locations
    var environment: [String: String]
    var console: Console
    var runner: ProcessRunning = SpawnProcessRunner()

    func run() throws {
        let dockerfile = try DockerfileParser.load(path: locations.dockerfile(presets))
        let architectures = try PlanBuilder.architectures(options.arches, in: presets)
        let results = Self.preflight(
            architectures: architectures, presets: presets, dockerfile: dockerfile, options: options,
            environment: environment, runner: runner
        ).run()
        for result in results { console.out(result.line + "\n") }
        // What --max-jobs auto would choose on the engine, when one answers (preflight needs none).
        let engine = Linbuild.engine(for: options, environment: environment)
        let resources = EngineResources.query(engine: engine, runner: runner, timeout: min(options.probeTimeout, 5))
        let choices = JobSizing.choices(requested: options.maxJobs, presets: presets, architectures: architectures, resources: resources)
        for architecture in architectures {
            if let choice = choices[architecture.name] { console.out("max jobs [\(architecture.name)] \(choice.reason)\n") }
        }
        try Self.conclude(results, console: console)
    }

    /// The preflight of `architectures`, with the registry client (and credentials) of a build.
    static func preflight(
        architectures: [Presets.Architecture], presets: Presets, dockerfile: Dockerfile, options: Options,
        environment: [String: String], runner: ProcessRunning
    ) -> Preflight {
        let targets = PreflightTargets.make(
            presets: presets, architectures: architectures, dockerfile: dockerfile,
            platform: options.platform(or: presets),
            locations: presets.defaults.locations.overridden(byArguments: options.locationOverrides))
        let registry = RegistryClient(timeout: options.probeTimeout) { host in
            RegistryCredentials.lookUp(registry: host, environment: environment, runner: runner)
        }
        return Preflight(
            targets: targets, registry: registry, index: PackageIndexClient(timeout: options.probeTimeout),
            runner: runner, timeout: options.probeTimeout)
    }

    /// Throws for an absent input (exit 65); warns once for the inputs that could not be checked.
    static func conclude(_ results: [PreflightResult], console: Console) throws {
        if let failure = Preflight.failure(results) { throw failure }
        let unknown = results.filter { if case .unknown = $0.answer { true } else { false } }
        if !unknown.isEmpty {
            console.warning(
                "preflight could not check \(unknown.count) input\(unknown.count == 1 ? "" : "s") (see the unknown lines); going on, as the registry or index may be private"
            )
        }
    }
}
