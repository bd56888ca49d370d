import LinbuildModel
import LinbuildSupport

/// `--help`, written from the option table and, when they load, the presets (for defaults and
/// the architectures).
public enum HelpText {
    public static func render(
        for subcommand: Subcommand, presets: Presets?, presetsProblem: String? = nil,
        table: [OptionSpec] = OptionTable.all
    ) -> String {
        var out = """
            linbuild \(LinbuildVersion.current): build the base and runtime images of a GPU deep-learning project.
            The base (CUDA, PyTorch, Flash Attention) is built only when missing or when its inputs changed;
            the runtime holds exactly one commit of the source.

            Usage:
              linbuild [build] [--arch NAME] [--branch REF] [--push] [options]
              linbuild check [--arch NAME|all]
              linbuild preflight [--arch NAME|all]
              linbuild validate [--arch NAME] [--gpus all] IMAGE
              linbuild prune [--registry HOST] [--keep N] [--older-than DAYS] [--apply]
              linbuild completions bash|zsh|fish
              linbuild help [COMMAND]
              linbuild help reference       (every option and exit code, as Markdown: docs/reference.md)

            Subcommands:

            """
        for command in Subcommand.allCases {
            out += "  " + command.rawValue.padding(14) + command.summary + "\n"
        }
        out += "\nOptions\(subcommand == .build ? "" : " of '\(subcommand.rawValue)'"):\n"
        for spec in table where spec.applies(to: subcommand) {
            var left = spec.short.map { "-\($0), " } ?? "    "
            left += "--" + spec.name + (spec.valueName.map { " " + $0 } ?? "")
            out += "  " + left.padding(30) + spec.help + "\n"
            // Defaults and variables on their own line keep the help within 100 columns.
            var facts: [String] = []
            if let value = spec.defaultText(for: subcommand, presets: presets) { facts.append("default: \(value)") }
            if let variable = spec.environment { facts.append("env: \(variable)") }
            if !facts.isEmpty { out += String(repeating: " ", count: 32) + "[" + facts.joined(separator: "; ") + "]\n" }
        }
        if let presets {
            out += "\nArchitectures (from presets):\n"
            for architecture in presets.architectures {
                let fa =
                    architecture.flashAttention.isEmpty
                    ? "no flash-attn" : "flash-attn " + architecture.flashAttention.map(\.version).joined(separator: " + ")
                out +=
                    "  " + architecture.name.padding(10)
                    + "torch \(architecture.torchVersion) \(architecture.cudaSuffix), CUDA arch \(architecture.cudaArchList), \(fa)"
                out += architecture.gpus.isEmpty ? "\n" : " (\(architecture.gpus))\n"
            }
        } else if let presetsProblem {
            out += "\n(Defaults not shown: \(presetsProblem))\n"
        }
        out += "\nPrecedence: option, then environment variable, then presets.\n"
        out += wrapped("Exit codes: " + ExitCode.oneLineSummary + ".", width: 100) + "\n"
        return out
    }

    /// Breaks `text` at spaces so no line is longer than `width`.
    static func wrapped(_ text: String, width: Int) -> String {
        var lines: [String] = [], line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty, line.count + 1 + word.count > width { lines.append(line); line = "" }
            line += (line.isEmpty ? "" : " ") + word
        }
        return (lines + [line]).joined(separator: "\n")
    }
}
