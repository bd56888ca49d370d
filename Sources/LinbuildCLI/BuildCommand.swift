import Foundation
import LinbuildModel
import LinbuildProcess
import LinbuildRun
import LinbuildSupport

/// `linbuild [build]`: resolve, plan, then print or run the plan.
struct BuildCommand: LinbuildCommand {
    var context: Context

    func run() throws {
        let options = context.options, console = context.console
        // Parsed once: the plan and the preflight before the first base build both read it.
        let dockerfile = try context.dockerfile()
        var engine = context.engine
        // buildx: its builder's BuildKit decides whether file times can be rewritten. The dry run
        // and --json ask it too (nothing else of the engine), so their plan is the run's.
        engine.buildKitVersion = EngineProbe(engine: engine, runner: context.runner, timeout: options.probeTimeout).buildKitVersion()
        if options.json {
            // `--dry-run --json` too: the plan as JSON, nothing run.
            return console.out(try PlanRenderer.json(try plan(try resolve(dockerfile), engine: engine)))
        }
        if options.dryRun { return try dryRun(dockerfile, engine: engine) }
        let resolved = try resolve(dockerfile)
        // Asked only once everything else is known to be right: bad input fails without an engine.
        let resources = EngineResources.query(engine: engine, runner: context.runner, timeout: options.probeTimeout)
        let plan = try plan(resolved, engine: engine, resources: resources)

        let interrupts = Interrupts.install()
        defer { interrupts.uninstall() }
        let logs = options.logs + "/" + Self.runIdentifier(context.clock())
        var executor = Executor(
            plan: plan, runner: context.runner, console: console, registry: context.registry,
            logDirectory: Paths.absolute(logs), probeTimeout: options.probeTimeout)
        executor.baseBuildHooks = BaseBuildProgress(
            console: console, preflight: options.noPreflight ? nil : preflight(dockerfile), engineID: (try? resources.get())?.id ?? "",
            history: BuildHistory(directory: Paths.absolute(options.logs)), architectures: plan.targets.map(\.arch))
        try executor.run()
    }

    /// The plan as a shell script. A docker client that has neither buildx nor built-in BuildKit
    /// could not run it: that is said, as a run would say it, instead. Only the client is asked (no
    /// daemon need be up), while the source is resolved: its start-up is most of a dry run's time.
    private func dryRun(_ dockerfile: Dockerfile, engine: EngineCLI) throws {
        let probe = EngineProbe(engine: engine, runner: context.runner, timeout: context.options.probeTimeout)
        let client = engine.builder == .builtinBuildKit ? Background { probe.clientVersion() } : nil
        defer { _ = client?.value }
        let plan = try plan(try resolve(dockerfile), engine: engine)
        if let version = client?.value, let problem = engine.buildKitProblem(clientVersion: version) {
            throw LinbuildError.engineUnavailable("this plan cannot run: " + problem)
        }
        context.console.out(PlanRenderer.shellScript(plan))
    }

    /// The preflight a base build runs first, for the architectures named.
    private func preflight(_ dockerfile: Dockerfile) -> @Sendable ([String]) throws -> Void {
        { [context] names in
            let preflight = context.preflight(of: names.compactMap(context.presets.architecture(named:)), dockerfile: dockerfile)
            let results = preflight.run()
            for result in results { context.console.info(result.line) }
            try Preflight.conclude(results, console: context.console)
        }
    }

    /// A fresh, unpredictable name under TMPDIR: two runs never share a context.
    static func workDirectory(environment: [String: String]) -> String {
        let root = (environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp")
        let random = (0..<6).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        return (root.hasSuffix("/") ? String(root.dropLast()) : root) + "/linbuild-" + random
    }

    static func timestamp(_ date: Date) -> String { UTCTime.internetDateTime(date) }

    /// Sorts by time; the process ID keeps two runs started in the same second apart.
    static func runIdentifier(_ date: Date) -> String {
        UTCTime.compact(date) + "-\(ProcessInfo.processInfo.processIdentifier)"
    }
}
