import Foundation
import LinbuildModel
import LinbuildProcess
import LinbuildRun
import LinbuildSupport

/// The command-line program: parse, decide, run, and map every error to one line and one
/// exit code. `main.swift` only calls `run`.
public enum Linbuild {
    public static func run(arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment) -> Int32 {
        let options: Options
        do {
            options = try Options.parse(arguments, environment: environment)
        } catch {
            return report(error, console: Console(environment: environment))
        }
        let console = Console(verbosity: options.quiet ? .quiet : options.verbose ? .verbose : .normal, environment: environment)
        do {
            try dispatch(options, environment: environment, console: console)
            return ExitCode.success.rawValue
        } catch LinbuildError.usage(let message) where message.hasPrefix("unknown --arch") && options.environmentSources["arch"] != nil {
            // The value nobody typed on this command line: say where it came from.
            return report(
                LinbuildError.usage(message + " (from the environment variable \(options.environmentSources["arch"]!))"), console: console)
        } catch {
            return report(error, console: console)
        }
    }

    static func report(_ error: Error, console: Console) -> Int32 {
        if let error = error as? LinbuildError {
            console.error(error.description)
            return error.exitCode.rawValue
        }
        if let failure = error as? LaunchFailure {
            // The engine's own failures are mapped where it is run (`engineError`); this is any other program.
            return report(failure.error(fix: "install \(failure.executable), or put it on PATH"), console: console)
        }
        console.error("\(error)")
        return ExitCode.failure.rawValue
    }

    static func dispatch(_ options: Options, environment: [String: String], console: Console) throws {
        let locations = Locations(options: options, environment: environment)
        if options.version {
            console.out("linbuild \(LinbuildVersion.current)\n")
            return
        }
        if options.reference {
            console.out(ReferencePage.markdown())
            return
        }
        if options.help {
            var problem: String?
            let presets: Presets?
            do { presets = try PresetsLoader.load(path: locations.presets) } catch { presets = nil; problem = "\(error)" }
            console.out(HelpText.render(for: options.subcommand, presets: presets, presetsProblem: problem))
            return
        }
        let presets = try PresetsLoader.load(path: locations.presets)
        switch options.subcommand {
        case .build:
            try BuildCommand(options: options, presets: presets, locations: locations, environment: environment, console: console).run()
        case .check:
            try CheckCommand(options: options, presets: presets, locations: locations, console: console).run()
        case .preflight:
            try PreflightCommand(options: options, presets: presets, locations: locations, environment: environment, console: console).run()
        case .validate:
            try ValidateCommand(options: options, presets: presets, environment: environment, console: console).run()
        case .completions:
            console.out(Completions.script(for: options.positionals[0], presets: presets))
        }
    }

    /// The engine and builder the options and environment select, chosen without running anything.
    static func engine(for options: Options, environment: [String: String]) -> EngineCLI {
        EngineCLI.choose(
            executable: options.engine, buildxBuilder: options.builder, context: options.dockerContext,
            progress: options.progress, environment: environment, fileExists: FileManager.default.fileExists(atPath:))
    }
}

/// Where linbuild's files are: presets from the option, `./presets.json`, or the installed
/// copy beside the binary; the Dockerfile relative to the presets file unless given.
public struct Locations: Sendable {
    public var presets: String
    public var options: Options

    public init(options: Options, environment: [String: String]) {
        self.options = options
        if let given = options.presetsPath {
            presets = Paths.absolute(given)
        } else if FileManager.default.fileExists(atPath: "presets.json") {
            presets = Paths.absolute("presets.json")
        } else {
            let installed = Self.executable.deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("share/linbuild/presets.json").path
            presets = FileManager.default.fileExists(atPath: installed) ? installed : Paths.absolute("presets.json")
        }
    }

    /// The running binary. `argv[0]` is only the name typed (`linbuild`, found on PATH), so the
    /// kernel's link is asked first.
    static var executable: URL {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: path)
        }
        return URL(fileURLWithPath: CommandLine.arguments.first ?? "linbuild").resolvingSymlinksInPath()
    }

    public func dockerfile(_ presets: Presets) -> String {
        if let given = options.dockerfile { return Paths.absolute(given) }
        if presets.defaults.dockerfile.hasPrefix("/") { return presets.defaults.dockerfile }
        let directory = URL(fileURLWithPath: self.presets).deletingLastPathComponent()
        return directory.appendingPathComponent(presets.defaults.dockerfile).standardizedFileURL.path
    }
}
