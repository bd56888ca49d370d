import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

/// Values built to break a shell, git or the parser. Each is rejected with a documented
/// exit code or handled safely, and no command is ever injected.
@Suite(.timeLimit(.minutes(5))) struct HostileInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var expected: Int32
        var testDescription: String { arguments.joined(separator: " ").debugDescription }
    }

    static let touch = "touch INJECTED"
    static let cases: [Case] = [
        Case(arguments: ["--branch", "$(\(touch))"], expected: 64),
        Case(arguments: ["--branch", "`\(touch)`"], expected: 64),
        Case(arguments: ["--branch", "x;touch${IFS}INJECTED"], expected: 66),
        Case(arguments: ["--branch", "x;touch$IFS\"INJECTED\""], expected: 66),
        Case(arguments: ["--branch", "main\n\(touch)"], expected: 64),
        Case(arguments: ["--branch", "--upload-pack=\(touch)"], expected: 64),
        Case(arguments: ["--branch=-x"], expected: 64),
        Case(arguments: ["--branch", "../../etc/passwd"], expected: 64),
        Case(arguments: ["--branch", String(repeating: "a", count: 10_000)], expected: 64),
        Case(arguments: ["--source", "--upload-pack=\(touch)"], expected: 64),
        // A `transport::address` URL, as git reads it: refused before git runs
        Case(arguments: ["--source", "ext::sh -c touch% INJECTED"], expected: 64),
        Case(arguments: ["--tag-suffix", "$(\(touch))"], expected: 64),
        Case(arguments: ["--tag-suffix", ";\(touch)"], expected: 64),
        Case(arguments: ["--tag-suffix", "--"], expected: 64),
        Case(arguments: ["--namespace", "a;\(touch)"], expected: 64),
        Case(arguments: ["--registry", "x;\(touch)"], expected: 64),
        Case(arguments: ["--max-jobs", "99999999999999999999"], expected: 64),
        Case(arguments: ["--max-jobs", "-1"], expected: 64),
        Case(arguments: ["--max-jobs", "1e3"], expected: 64),
        Case(arguments: ["--max-jobs", "0x10"], expected: 64),
        Case(arguments: ["--presets", "../../../../../../etc/passwd"], expected: 65),
        Case(arguments: ["--presets", "/nonexistent/../../presets.json"], expected: 66),
        Case(arguments: ["--dockerfile", "/etc/passwd"], expected: 65),
        Case(arguments: ["--dockerfile", "/etc"], expected: 66),
        Case(arguments: ["--arch", "ampere,,hopper"], expected: 64),
        Case(arguments: ["--arch", "AMPERE"], expected: 64),
    ]

    @Test(arguments: cases)
    func hostileValueIsRejectedOrHarmless(_ hostile: Case) throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }

        let run = try sandbox.linbuild(hostile.arguments + ["--dry-run"])

        #expect(run.status == hostile.expected, "\(run.output)")
        #expect(!sandbox.injected)
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(run.errorLines.count == 1)
        // A file's contents are never echoed into the message
        #expect(!run.stderr.lowercased().contains("root:x:0"))
    }

    @Test func nonUTF8ArgumentIsUsageError() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        // Foundation's Process takes only strings, so the raw bytes go through sh's printf.
        let run = try Run.command(
            "/bin/sh", ["-c", "exec \"$0\" --arch \"$(printf '\\377\\376')\" --dry-run", Run.linbuild],
            directory: sandbox.root)
        #expect(run.status == 64, "\(run.output)")
        #expect(run.errorLines.count == 1)
    }

    @Test(arguments: [
        ("huge", Array(repeating: UInt8(ascii: " "), count: 2 << 20) + Array("{}".utf8), Int32(65)),
        ("duplicated key", Array(#"{"defaults": {}, "defaults": {}}"#.utf8), 65),
        ("not UTF-8", Array(#"{"defaults": ""#.utf8) + [0xFF, 0xFE] + Array(#""}"#.utf8), 65),
        ("deeply nested", Array(String(repeating: "[", count: 100_000).utf8), 65),
        ("empty", [], 65),
    ])
    func hostilePresetsFileIsBadData(name: String, bytes: [UInt8], expected: Int32) throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let path = sandbox.root + "/hostile-presets.json"
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))

        let run = try Run.command(Run.linbuild, ["--presets", path, "--source", sandbox.source, "--dry-run"], directory: sandbox.root)

        #expect(run.status == expected, "\(name): \(run.output)")
        #expect(run.errorLines.count == 1)
        #expect(run.errorLines.first?.contains(path) == true)
    }

    /// git is replaced by a recorder on PATH: whatever the branch value, git is never handed it as
    /// an option, and named refs never reach git at all (they are matched against `for-each-ref`).
    @Test(arguments: ["x;y", "feat/$HOME", "it's", "a\"b", "-x", "--upload-pack=touch"])
    func gitNeverSeesTheRefAsAnOption(_ ref: String) throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let bin = sandbox.root + "/bin"
        let record = sandbox.root + "/git-arguments"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        let recorder = "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\" >> '\(record)'; done\nexec /usr/bin/git \"$@\"\n"
        try Run.writeProgram(at: bin + "/git", recorder)

        let run = try sandbox.linbuild(
            ["--branch", ref, "--dry-run"],
            environment: ["PATH": bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")])

        #expect([64, 66].contains(run.status), "\(run.output)")
        let seen = (try? String(contentsOfFile: record, encoding: .utf8)) ?? ""
        #expect(!seen.split(separator: "\n").contains { $0.contains(ref) }, "git saw: \(seen)")
        if ref.hasPrefix("-") { #expect(seen.isEmpty) } else { #expect(!seen.isEmpty, "the git recorder never ran") }
    }
}
