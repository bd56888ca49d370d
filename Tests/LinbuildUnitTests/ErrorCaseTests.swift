import Foundation
import LinbuildTestFixtures
import Testing

@testable import LinbuildCLI
@testable import LinbuildModel
@testable import LinbuildProcess
@testable import LinbuildRun
@testable import LinbuildSupport

/// Each failure has its own case, one line and the documented exit code (docs/reference.md): a program that cannot
/// start is "unavailable" (69) whichever it is; a file linbuild cannot write is not a missing input.
@Suite struct ErrorCaseTests: PlanMaking {
    /// A machine where no program can be started.
    struct NothingInstalled: ProcessRunning {
        func capture(_ command: Command, timeout: Double?, limit: Int) throws -> CapturedOutput {
            throw LaunchFailure(executable: command.executable, reason: "No such file or directory")
        }
        func stream(_ command: Command, to sink: OutputSink) throws -> Termination {
            throw LaunchFailure(executable: command.executable, reason: "No such file or directory")
        }
    }

    @Test func gitThatIsNotInstalledIsAProgramThatCannotRun() throws {
        let scratch = try Scratch("no-git")
        defer { scratch.remove() }
        let error = #expect(throws: LinbuildError.self) {
            try CommitResolver(runner: NothingInstalled()).resolve("main", in: .path(scratch.path))
        }
        #expect(error == .cannotRun(program: "git", reason: "No such file or directory", fix: "install it: apt-get install git"))
        #expect(error?.exitCode == .unavailable)
        #expect(error?.description == "cannot run git: No such file or directory (install it: apt-get install git)")
    }

    @Test func anEngineThatIsNotInstalledGetsTheSameCaseWithItsOwnAdvice() throws {
        let probe = EngineProbe(engine: EngineCLI(executable: "/opt/nothing/docker", builder: .buildx), runner: NothingInstalled())
        let error = #expect(throws: LinbuildError.self) { try probe.verify() }
        #expect(error?.exitCode == .unavailable)
        #expect(
            error?.description
                == "cannot run /opt/nothing/docker: No such file or directory (install docker or podman, or pass --engine PATH)")
        // the local-store lookup maps it the same way
        #expect(throws: error!) { try probe.localImage("x:1") }
    }

    @Test func anyOtherProgramThatCannotStartExitsUnavailable() {
        let failure = LaunchFailure(executable: "ssh", reason: "No such file or directory")
        #expect(Linbuild.report(failure, console: Console(verbosity: .quiet, environment: [:])) == ExitCode.unavailable.rawValue)
    }

    @Test func aLogThatCannotBeCreatedSaysSoAndIsNotAMissingInput() throws {
        let error = #expect(throws: LinbuildError.self) {
            try StepOutput(logPath: "/nonexistent-linbuild-logs/build-base.log", console: Console(environment: [:]), echo: false)
        }
        #expect(error?.exitCode == .failure)
        #expect(
            error?.description
                == "cannot create the log file /nonexistent-linbuild-logs/build-base.log: No such file or directory (check that --log-dir is a folder you can write to)"
        )
    }

    @Test func aWorkFolderThatCannotBeCreatedNamesTMPDIR() throws {
        var plan = try plan([])
        plan.workDirectory = "/nonexistent-linbuild-tmp/linbuild-x"
        let executor = Executor(
            plan: plan, runner: FakeEngine(), console: Console(verbosity: .quiet, environment: [:]),
            registry: ScriptedRegistry(), logDirectory: "/nonexistent-linbuild-tmp/logs", interrupts: ScriptedInterrupts())
        let error = #expect(throws: LinbuildError.self) { try executor.execute() }
        #expect(error?.exitCode == .failure)
        #expect(error?.description.hasPrefix("cannot create the work folder /nonexistent-linbuild-tmp/linbuild-x: ") == true)
        #expect(error?.description.hasSuffix("(check TMPDIR)") == true)
    }
}
