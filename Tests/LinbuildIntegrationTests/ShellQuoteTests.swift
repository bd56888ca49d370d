import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

@testable import LinbuildModel
@testable import LinbuildSupport

/// `--dry-run` lines must survive a paste into a real shell, whatever the values hold.
@Suite(.timeLimit(.minutes(5))) struct ShellQuoteTests {
    static let nastyWords = [
        "plain", "feat/it's-$HOME", "`touch INJECTED`", "$(touch INJECTED)", "a;touch INJECTED", "a|touch INJECTED",
        "a&&touch INJECTED", "line\nbreak", "\n", "", " ", "  two  spaces ", "é 🙂 ünïcode", "'", "''", "\"", "\\", "\\'",
        "*", "?", "[a]", "~", "~root", "#comment", "!", "{a,b}", "$HOME", "${HOME}", "%s", "--label=a b", "x=y", "-n",
        "tab\there", "a>INJECTED", "<INJECTED",
        // A quote with a combining mark is one Character with it: found only scalar by scalar.
        "it'\u{301}s $(touch INJECTED)", "'\u{301}", "\u{301}'",
    ]

    /// Runs `line` in `/bin/sh` inside a fresh folder; returns stdout and whether anything was created there.
    func runInShell(_ line: String) throws -> (stdout: String, status: Int32, leftovers: [String]) {
        let scratch = try Scratch("quote")
        defer { scratch.remove() }
        let result = try Run.command("/bin/sh", ["-c", line], directory: scratch.path)
        return (result.stdout, result.status, try FileManager.default.contentsOfDirectory(atPath: scratch.path))
    }

    @Test(arguments: nastyWords)
    func aQuotedWordReachesTheProgramUnchanged(_ word: String) throws {
        // GIVEN a word with shell syntax in it, WHEN printf receives it through a real shell
        let (stdout, status, leftovers) = try runInShell("printf %s " + ShellQuote.quote(word))
        // THEN printf saw exactly the word, and nothing ran
        #expect(status == 0)
        #expect(stdout == word)
        #expect(leftovers.isEmpty, "the shell created \(leftovers)")
    }

    @Test func aWholeCommandLineKeepsEveryArgumentApart() throws {
        let line = Command("printf", ["%s\\0"] + Self.nastyWords).shellLine
        let (stdout, status, leftovers) = try runInShell(line)
        #expect(status == 0)
        #expect(stdout.split(separator: "\0", omittingEmptySubsequences: false).dropLast().map(String.init) == Self.nastyWords)
        #expect(leftovers.isEmpty)
    }

    @Test func environmentAndWorkingDirectoryAreSpelledForTheShell() throws {
        let scratch = try Scratch("quote dir 'x'")
        defer { scratch.remove() }
        // GIVEN a command with an environment override and a working directory, both with quotes and spaces
        let command = Command(
            "sh", ["-c", "printf '%s|%s' \"$LINBUILD_TEST_VALUE\" \"$PWD\""],
            environment: ["LINBUILD_TEST_VALUE": "it's $HOME `x`"], workingDirectory: scratch.path)
        // WHEN its shell line runs
        let result = try Run.command("/bin/sh", ["-c", command.shellLine])
        // THEN the child saw both exactly
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "it's $HOME `x`|\(scratch.path)")
    }

    @Test(arguments: ["a=b", "if", "do", "{", "it's"])
    func aProgramWhoseNameIsShellSyntaxStillRuns(_ name: String) throws {
        // GIVEN a program on PATH named like an assignment or a reserved word
        let scratch = try Scratch("program")
        defer { scratch.remove() }
        try Run.writeProgram(at: scratch.path + "/" + name, "#!/bin/sh\nprintf 'ran %s' \"$1\"\n")
        // WHEN its command line runs in a shell
        let line = Command(name, ["x y"]).shellLine
        let result = try Run.command("/bin/sh", ["-c", line], environment: ["PATH": scratch.path + ":/usr/bin:/bin"])
        // THEN the program ran with its argument
        #expect(result.status == 0, "\(line): \(result.stderr)")
        #expect(result.stdout == "ran x y")
    }

    @Test func safeWordsStayReadable() {
        #expect(ShellQuote.quote("--build-arg") == "--build-arg")
        #expect(ShellQuote.quote("TORCH_VER=2.7.1+cu126") == "TORCH_VER=2.7.1+cu126")
        #expect(
            ShellQuote.quote("frontierkodiak/linnaeus-base:ampere-cu126-torch2.7.1-fav2")
                == "frontierkodiak/linnaeus-base:ampere-cu126-torch2.7.1-fav2")
        #expect(ShellQuote.quote("CUDA_ARCH_LIST=8.0;8.6") == "'CUDA_ARCH_LIST=8.0;8.6'")
        #expect(ShellQuote.quote("") == "''")
        #expect(ShellQuote.quote("it's") == #"'it'\''s'"#)
        #expect(Command("docker", ["build"], environment: ["DOCKER_BUILDKIT": "1"]).shellLine == "DOCKER_BUILDKIT=1 docker build")
    }

    @Test func aNewlineInARefCannotEscapeAComment() {
        #expect(Sanitized.forComment("a\nrm -rf /") == "a\\nrm -rf /")
    }
}
