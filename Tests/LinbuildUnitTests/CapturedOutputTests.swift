import LinbuildTestFixtures
import Testing

@testable import LinbuildProcess

/// The one line of a child's stderr that becomes linbuild's one-line error.
@Suite struct CapturedOutputTests {
    private func summary(_ text: String) -> String {
        CapturedOutput(termination: .exited(1), stderr: Array(text.utf8)).stderrSummary
    }

    @Test func gitsReasonWinsOverTheAdviceAfterIt() {
        let stderr = """
            fatal: '/srv/linnaeus.git' does not appear to be a git repository
            fatal: Could not read from remote repository.

            Please make sure you have the correct access rights
            and the repository exists.

            """
        #expect(summary(stderr) == "fatal: '/srv/linnaeus.git' does not appear to be a git repository")
    }

    @Test func theEnginesErrorLineIsChosenOverProgressBeforeIt() {
        let stderr = "Sending build context\n  Error response from daemon: pull access denied for x\n"
        #expect(summary(stderr) == "Error response from daemon: pull access denied for x")
    }

    @Test func dockerRunsErrorWinsOverItsHelpHint() {
        let stderr = """
            docker: Error response from daemon: could not select device driver "" with capabilities: [[gpu]].
            See 'docker run --help'.

            """
        #expect(summary(stderr) == #"docker: Error response from daemon: could not select device driver "" with capabilities: [[gpu]]."#)
        #expect(summary("unknown flag: --gpus\nSee 'docker run --help'.\n") == "unknown flag: --gpus")
    }

    @Test func fatalWinsOverAnEarlierErrorLineAndErrorsIsNotError() {
        #expect(summary("error: could not lock config file\nfatal: bad revision 'x'\n") == "fatal: bad revision 'x'")
        #expect(summary("errors ignored: 2\nstep failed\n") == "step failed")
        #expect(summary("Error: short-name resolution failed\n") == "Error: short-name resolution failed")
    }

    @Test func withoutAMarkedLineTheLastNonEmptyOneIsUsed() {
        #expect(summary("step 1\nstep 2: no such file\n\n") == "step 2: no such file")
        #expect(summary("") == "")
        #expect(summary("\n \n") == "")
    }
}
