import Foundation
import LinbuildTestFixtures
import Testing

@testable import LinbuildCLI
@testable import LinbuildModel
@testable import LinbuildProcess
@testable import LinbuildRun
@testable import LinbuildSupport

/// A bug in linbuild is reported as one, with exit 1, not as the user's usage error (64).
@Suite struct InternalErrorTests: PlanMaking {
    /// Neither may be used: the bad reference is caught before anything is asked.
    struct Untouchable: RegistryChecking, ProcessRunning {
        func manifest(of reference: ImageReference) -> RegistryAnswer { Issue.record("registry asked"); return .absent }
        func image(of reference: ImageReference, platform: String) throws -> RegistryImage? { Issue.record("registry asked"); return nil }
        func capture(_ command: Command, timeout: Double?, limit: Int) throws -> CapturedOutput {
            Issue.record("ran \(command)"); return .init(termination: .exited(1))
        }
        func stream(_ command: Command, to sink: OutputSink) throws -> Termination { Issue.record("ran \(command)"); return .exited(1) }
    }

    @Test func aReferenceThePlanCannotHoldIsAnInternalErrorWithExitOne() throws {
        // GIVEN an executor asked about a reference no plan can make
        let executor = Executor(
            plan: try plan([]), runner: Untouchable(), console: Console(environment: [:]), registry: Untouchable(),
            logDirectory: "/nonexistent")
        // WHEN it asks the registry, THEN it throws an internal error, not a usage error
        #expect(throws: InternalError("the plan holds NOT A REFERENCE, which is not an image reference")) {
            try executor.registryImage("NOT A REFERENCE")
        }
        // AND the error ends the run with exit 1 and a line that says it is linbuild's bug
        #expect(Linbuild.report(InternalError("x"), console: Console(environment: [:])) == ExitCode.failure.rawValue)
        #expect(InternalError("x").description == "internal error: x (a bug in linbuild: please report it with the command you ran)")
    }
}
