import Foundation
import LinbuildModel
import LinbuildProcess
import LinbuildRun
import LinbuildSupport

/// What every subcommand is handed, and all it may reach the world through: the options, the
/// presets they point at, where linbuild's files are, the environment, the console, the process
/// runner and the clock. A test builds one with a scripted runner; a subcommand never calls
/// another's statics, and a hook gets the few values it needs from here, not the command.
public struct Context: Sendable {
    public var options: Options
    public var presets: Presets
    public var locations: Locations
    public var environment: [String: String]
    public var console: Console
    public var runner: ProcessRunning
    public var clock: @Sendable () -> Date

    public init(
        options: Options, presets: Presets, locations: Locations, environment: [String: String], console: Console,
        runner: ProcessRunning = SpawnProcessRunner(), clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.options = options
        self.presets = presets
        self.locations = locations
        self.environment = environment
        self.console = console
        self.runner = runner
        self.clock = clock
    }

    /// The engine and builder the options and environment select, chosen without running anything.
    public var engine: EngineCLI {
        EngineCLI.choose(
            executable: options.engine, buildxBuilder: options.builder, context: options.dockerContext,
            progress: options.progress, environment: environment, fileExists: FileManager.default.fileExists(atPath:))
    }

    /// The Dockerfile the presets (or `--dockerfile`) name, parsed.
    public func dockerfile() throws -> Dockerfile {
        try DockerfileParser.load(path: locations.dockerfile(presets))
    }

    /// The lock beside the presets (`presets.lock.json`) and its path, or nil when there is none.
    public func lock() throws -> (lock: UpstreamLock, file: String)? {
        let file = locations.lock
        return try UpstreamLock.load(path: file).map { ($0, file) }
    }

    /// A registry client with the credentials the engine has from `docker login` / `podman login`.
    public var registry: RegistryClient {
        RegistryClient(timeout: options.probeTimeout) { [environment, runner] host in
            RegistryCredentials.lookUp(registry: host, environment: environment, runner: runner)
        }
    }

    /// The preflight of `architectures` (their upstream inputs), as `preflight` and a base build ask it.
    public func preflight(of architectures: [Presets.Architecture], dockerfile: Dockerfile) -> Preflight {
        Preflight(
            targets: PreflightTargets.make(
                presets: presets, architectures: architectures, dockerfile: dockerfile, platform: options.platform(or: presets),
                locations: presets.defaults.locations.overridden(byArguments: options.locationOverrides)),
            registry: registry, index: PackageIndexClient(timeout: options.probeTimeout), runner: runner,
            timeout: options.probeTimeout)
    }
}
