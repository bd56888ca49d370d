import Foundation

/// `linbuild [build]`: resolve, plan, then print or run the plan.
struct BuildCommand {
    var options: Options
    var presets: Presets
    var locations: Locations
    var environment: [String: String]
    var console: Console
    var runner: ProcessRunning = SpawnProcessRunner()

    /// `resources`: the engine's machine for `--max-jobs auto`; nil in a dry run, which never asks
    /// the engine (the plan then says auto was not resolved).
    func makePlan(resources ask: (EngineCLI) -> Result<EngineResources, JobSizingError>? = { _ in nil }) throws -> Plan {
        let dockerfile = try DockerfileParser.load(path: locations.dockerfile(presets))
        let architectures = try PlanBuilder.architectures(options.arches, in: presets)
        try ContractCheck.verify(dockerfile: dockerfile, presets: presets, architectures: architectures)
        let source = SourceLocation(options.source ?? presets.defaults.source)
        let resolved = try CommitResolver(runner: runner).resolve(options.branch ?? presets.defaults.branch, in: source)
        let engine = EngineCLI.choose(options: options, environment: environment, fileExists: FileManager.default.fileExists(atPath:))
        // Asked only once everything else is known to be right: bad input fails without an engine.
        let resources = ask(engine)
        var builder = PlanBuilder(options: options, presets: presets, dockerfile: dockerfile, source: resolved, engine: engine,
                                  workDirectory: Self.workDirectory(environment: environment),
                                  createdAt: Self.timestamp(Date()))
        builder.jobChoices = JobSizing.choices(requested: options.maxJobs, presets: presets, architectures: architectures, resources: resources)
        if let requested = options.maxJobs, case .success(let machine)? = resources {
            for architecture in architectures {
                let major = architecture.flashAttention?.major
                if let warning = JobSizing.warning(jobs: requested, resources: machine, flashAttentionMajor: major, perJobGiB: major.flatMap { presets.jobMemoryGiB[$0] }) {
                    console.warning("[\(architecture.name)] \(warning)")
                }
            }
        }
        return try builder.make()
    }

    func run() throws {
        if options.dryRun { return console.out(PlanRenderer.shellScript(try makePlan())) }
        if options.json { return console.out(try PlanRenderer.json(try makePlan())) }
        var resources: Result<EngineResources, JobSizingError>?
        let plan = try makePlan { [runner, options] engine in
            resources = EngineResources.query(engine: engine, runner: runner, timeout: options.probeTimeout)
            return resources
        }

        let interrupts = Interrupts.install()
        defer { interrupts.uninstall() }
        let registry = RegistryClient(timeout: options.probeTimeout) { [environment, runner] host in
            RegistryCredentials.lookUp(registry: host, environment: environment, runner: runner)
        }
        let logs = (options.logDirectory ?? ".linbuild/logs") + "/" + Self.runIdentifier(Date())
        var executor = Executor(plan: plan, runner: runner, console: console, registry: registry,
                                logDirectory: CommitResolver.absolute(logs), probeTimeout: options.probeTimeout)
        executor.baseBuildHooks = BuildHooks(command: self, engineID: (try? resources?.get())?.id ?? "",
                                             history: BuildHistory(directory: CommitResolver.absolute(options.logDirectory ?? ".linbuild/logs")),
                                             architectures: plan.targets.map(\.arch))
        try executor.run()
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
