import Testing
@testable import LinbuildCore

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

    @Test func withoutAMarkedLineTheLastNonEmptyOneIsUsed() {
        #expect(summary("step 1\nstep 2: no such file\n\n") == "step 2: no such file")
        #expect(summary("") == "")
        #expect(summary("\n \n") == "")
    }
}
