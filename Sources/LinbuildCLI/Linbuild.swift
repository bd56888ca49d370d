import Foundation
import LinbuildModel
import LinbuildProcess
import LinbuildRun
import LinbuildSupport

/// The command-line program: parse, decide, run, and map every error to one line and one
/// exit code. `main.swift` only calls `run`; a run starts in `dispatch`, which hands one `Context`
/// to the subcommand the options name (`BuildCommand` for a build).
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
        let locations = Locations(options: options)
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
        let context = Context(
            options: options, presets: try PresetsLoader.load(path: locations.presets), locations: locations,
            environment: environment, console: console)
        try options.subcommand.command.init(context: context).run()
    }
}

/// A subcommand: made from the run's context, then run once. Adding one is a case of
/// `Subcommand` (its name, summary and options live in the option table), a type conforming to
/// this, and a line in `Subcommand.command` below.
protocol LinbuildCommand {
    init(context: Context)
    func run() throws
}

extension Subcommand {
    /// The type that runs this subcommand.
    var command: any LinbuildCommand.Type {
        switch self {
        case .build: BuildCommand.self
        case .check: CheckCommand.self
        case .preflight: PreflightCommand.self
        case .validate: ValidateCommand.self
        case .prune: PruneCommand.self
        case .completions: CompletionsCommand.self
        }
    }
}
