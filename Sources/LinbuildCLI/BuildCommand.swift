import Foundation
import LinbuildModel
import LinbuildProcess
import LinbuildRun
import LinbuildSupport

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
    func makePlan(
        _ dockerfile: Dockerfile, resources ask: (EngineCLI) -> Result<EngineResources, JobSizingError>? = { _ in nil }
    ) throws -> Plan {
        let architectures = try PlanBuilder.architectures(options.arches, in: presets)
        try ContractCheck.verify(dockerfile: dockerfile, presets: presets, architectures: architectures)
        let source = SourceLocation(options.source(or: presets))
        let resolver = CommitResolver(runner: runner, remoteTimeout: options.probeTimeout)
        var resolved: ResolvedSource
        do {
            resolved = try resolver.resolve(options.branch(or: presets), in: source)
        } catch LinbuildError.unknownRef(let repository, let ref) where options.branch == nil {
            // The ref nobody typed: name the presets file it came from, and what the repository has.
            guard let head = resolver.headBranch(of: source), head != ref else {
                throw LinbuildError.unknownRef(repository: repository, ref: ref)
            }
            throw LinbuildError.unknownRefWithHint(
                repository: repository, ref: ref,
                hint:
                    "'\(ref)' is defaults.branch in \(locations.presets), and the repository's HEAD branch is '\(head)' (pass --branch \(head), or change defaults.branch there)"
            )
        }
        if case .path(let path) = resolved.location {
            resolved.contents = try SourceContents.inspect(repository: path, commit: resolved.commit.sha, runner: runner)
            if let refusal = resolved.contents.refusal(source: path) {
                guard options.allowIncompleteSource else { throw refusal }
                console.warning(
                    "\(refusal.description.split(separator: ";").first ?? ""); building without them (--allow-incomplete-source)")
            }
        }
        let engine = Linbuild.engine(for: options, environment: environment)
        // Asked only once everything else is known to be right: bad input fails without an engine.
        let resources = ask(engine)
        var builder = PlanBuilder(
            options: options, presets: presets, dockerfile: dockerfile, source: resolved, engine: engine,
            workDirectory: Self.workDirectory(environment: environment),
            createdAt: Self.timestamp(Date()))
        builder.jobChoices = JobSizing.choices(
            requested: options.maxJobs, presets: presets, architectures: architectures, resources: resources)
        if let requested = options.maxJobs, case .success(let machine)? = resources {
            for architecture in architectures {
                let major = presets.jobSizingMajor(of: architecture)
                if let warning = JobSizing.warning(
                    jobs: requested, resources: machine, flashAttentionMajor: major, perJobGiB: major.flatMap { presets.jobMemoryGiB[$0] })
                {
                    console.warning("[\(architecture.name)] \(warning)")
                }
            }
        }
        return try builder.make()
    }

    func run() throws {
        // Parsed once: the plan and the preflight before the first base build both read it.
        let dockerfile = try DockerfileParser.load(path: locations.dockerfile(presets))
        // `--dry-run --json`: the plan as JSON, nothing run. Neither asks the engine's daemon.
        if options.json { return console.out(try PlanRenderer.json(try makePlan(dockerfile))) }
        if options.dryRun {
            let plan = try makePlan(dockerfile)
            try refuseClientWithoutBuildKit(plan.engine)
            return console.out(PlanRenderer.shellScript(plan))
        }
        var resources: Result<EngineResources, JobSizingError>?
        let plan = try makePlan(dockerfile) { [runner, options] engine in
            resources = EngineResources.query(engine: engine, runner: runner, timeout: options.probeTimeout)
            return resources
        }

        let interrupts = Interrupts.install()
        defer { interrupts.uninstall() }
        let registry = RegistryClient(timeout: options.probeTimeout) { [environment, runner] host in
            RegistryCredentials.lookUp(registry: host, environment: environment, runner: runner)
        }
        let logs = options.logs + "/" + Self.runIdentifier(Date())
        var executor = Executor(
            plan: plan, runner: runner, console: console, registry: registry,
            logDirectory: Paths.absolute(logs), probeTimeout: options.probeTimeout)
        executor.baseBuildHooks = BuildHooks(
            command: self, dockerfile: dockerfile, engineID: (try? resources?.get())?.id ?? "",
            history: BuildHistory(directory: Paths.absolute(options.logs)),
            architectures: plan.targets.map(\.arch))
        try executor.run()
    }

    /// A plan for a docker client that has neither buildx nor built-in BuildKit could not run:
    /// say so, as a run would, instead of printing it. Only the client is asked (no daemon needed).
    func refuseClientWithoutBuildKit(_ engine: EngineCLI) throws {
        guard engine.builder == .builtinBuildKit,
            let output = try? runner.capture(
                engine.command(["version", "--format", "{{.Client.Version}}"]), timeout: options.probeTimeout),
            let major = Int(output.stdoutText.prefix { $0.isASCIIDigit }), major >= 23
        else { return }
        throw LinbuildError.engineUnavailable(
            "this plan cannot run: docker client \(output.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)) at '\(engine.executable)' has no built-in BuildKit and no buildx plugin was found (install docker-buildx, or choose a client with BuildKit built in, e.g. --engine /usr/bin/docker)"
        )
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
