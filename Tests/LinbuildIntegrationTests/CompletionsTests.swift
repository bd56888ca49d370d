import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

@testable import LinbuildCLI
@testable import LinbuildModel

/// Completion scripts, run in the real shells.
@Suite(.timeLimit(.minutes(5))) struct CompletionsTests {
    /// The shipped presets plus `blackwell`: completions follow the data, not a fixed list.
    static let presets = try! PresetsLoader.parse(Array(presetsTextWithBlackwell().utf8), file: "presets.json")

    /// Writes `script` to a temporary file and runs `command` in `shell` after sourcing it.
    func run(_ shell: String, script: String, _ command: String) throws -> Run.Result {
        let scratch = try Scratch("completion")
        defer { scratch.remove() }
        let path = try scratch.write("linbuild", script)
        return try Run.command(shell, ["-c", "source '\(path)'; \(command)"])
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func everyOptionAndArchitectureIsInTheScript(_ shell: String) {
        let script = Completions.script(for: shell, presets: Self.presets)
        for spec in OptionTable.all { #expect(script.contains(spec.name), "\(shell): \(spec.name)") }
        for arch in Self.presets.architectureNames + ["all"] { #expect(script.contains(arch)) }
        for subcommand in Subcommand.allCases { #expect(script.contains(subcommand.rawValue)) }
    }

    @Test func bashCompletesOptionsArchitecturesAndSubcommands() throws {
        let script = Completions.script(for: "bash", presets: Self.presets)
        func complete(_ words: [String]) throws -> [String] {
            let array = words.map { "'\($0)'" }.joined(separator: " ")
            let result = try run(
                "/bin/bash", script: script,
                "COMP_WORDS=(\(array)); COMP_CWORD=\(words.count - 1); _linbuild; printf '%s\\n' \"${COMPREPLY[@]}\"")
            #expect(result.status == 0, "\(result.stderr)")
            return result.stdout.split(separator: "\n").map(String.init)
        }
        #expect(try run("/bin/bash", script: script, "complete -p linbuild").stdout == "complete -F _linbuild linbuild\n")
        #expect(try complete(["linbuild", "--ar"]) == ["--arch"])
        #expect(try complete(["linbuild", "--arch", ""]) == ["ampere", "turing", "hopper", "blackwell", "all"])
        #expect(try complete(["linbuild", "--arch", "h"]) == ["hopper"])
        #expect(try complete(["linbuild", "va"]) == ["validate"])
        #expect(try complete(["linbuild", "completions", "z"]) == ["zsh"])
        #expect(try complete(["linbuild", "--progress", "p"]) == ["plain"])
        // `--arch=h` reaches the function as `--arch` `=` `h` (bash breaks words at `=`)
        #expect(try complete(["linbuild", "--arch", "=", "h"]) == ["hopper"])
        #expect(try complete(["linbuild", "--arch", "="]) == ["ampere", "turing", "hopper", "blackwell", "all"])
        // a comma list completes its last name and keeps the names before it
        #expect(try complete(["linbuild", "--arch", "ampere,h"]) == ["ampere,hopper"])
        #expect(try complete(["linbuild", "--arch", "=", "ampere,turing,b"]) == ["ampere,turing,blackwell"])
    }

    /// zsh's completion system needs a terminal to show candidates; here the script must parse and
    /// register its function with compinit. When zsh is missing the test says so (CI installs it).
    @Test func zshScriptLoadsIntoCompinit() throws {
        let script = Completions.script(for: "zsh", presets: Self.presets)
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/zsh") else {
            print("zsh is not installed: the zsh script was checked for its structure only (apt-get install zsh)")
            // Without zsh: compinit needs `#compdef` first, and each option an `_arguments` spec.
            #expect(script.hasPrefix("#compdef linbuild\n"))
            #expect(script.contains("'--arch=[") && script.contains(":arch:(ampere turing hopper blackwell all)'"))
            for spec in OptionTable.all { #expect(script.contains("--\(spec.name)"), "\(spec.name)") }
            return
        }
        let scratch = try Scratch("zsh")
        defer { scratch.remove() }
        let file = try scratch.write("_linbuild", script)
        #expect(try Run.command("/usr/bin/zsh", ["-n", file]).status == 0)
        let loaded = try Run.command(
            "/usr/bin/zsh",
            [
                "-f", "-c",
                "fpath=('\(scratch.path)' $fpath); autoload -Uz compinit; compinit -u -d '\(scratch.path)/dump'; print -r -- ${_comps[linbuild]}",
            ])
        #expect(loaded.stdout == "_linbuild\n", "\(loaded.stderr)")
    }

    @Test func fishCompletesOptionsAndArchitectures() throws {
        let script = Completions.script(for: "fish", presets: Self.presets)
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/fish") else {
            print("fish is not installed: the fish script was checked for its structure only (apt-get install fish)")
            // Without fish: one `complete` line per option, archs offered after --arch.
            let lines = script.split(separator: "\n")
            for spec in OptionTable.all {
                #expect(lines.contains { $0.hasPrefix("complete -c linbuild") && $0.contains(" -l \(spec.name) ") }, "\(spec.name)")
            }
            #expect(lines.contains { $0.contains(" -l arch -x -a 'ampere turing hopper blackwell all'") })
            return
        }
        let options = try run("/usr/bin/fish", script: script, "complete -C 'linbuild --ar'")
        #expect(options.stdout.hasPrefix("--arch\t"), "\(options.output)")
        let arches = try run("/usr/bin/fish", script: script, "complete -C 'linbuild --arch '")
        #expect(
            Set(arches.stdout.split(separator: "\n").map { String($0.prefix { $0 != "\t" }) }) == [
                "ampere", "turing", "hopper", "blackwell", "all",
            ])
    }
}
