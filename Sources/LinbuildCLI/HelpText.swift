import LinbuildSupport
import LinbuildModel

/// `--help`, written from the option table and, when they load, the presets (for defaults and
/// the architectures).
public enum HelpText {
    public static func render(for subcommand: Subcommand, presets: Presets?, presetsProblem: String? = nil) -> String {
        var out = """
        linbuild \(LinbuildVersion.current): build the base and runtime images of a GPU deep-learning project.
        The base (CUDA, PyTorch, Flash Attention) is built only when missing or when its inputs changed;
        the runtime holds exactly one commit of the source.

        Usage:
          linbuild [build] [--arch NAME] [--branch REF] [--push] [options]
          linbuild check [--arch NAME|all]
          linbuild preflight [--arch NAME|all]
          linbuild validate [--arch NAME] [--gpus all] IMAGE
          linbuild completions bash|zsh|fish
          linbuild help [COMMAND]

        Subcommands:

        """
        for command in Subcommand.allCases {
            out += "  " + command.rawValue.padding(14) + command.summary + "\n"
        }
        out += "\nOptions\(subcommand == .build ? "" : " of '\(subcommand.rawValue)'"):\n"
        for spec in OptionTable.all where spec.commands.isEmpty || spec.commands.contains(subcommand) {
            var left = spec.short.map { "-\($0), " } ?? "    "
            left += "--" + spec.name + (spec.valueName.map { " " + $0 } ?? "")
            out += "  " + left.padding(30) + spec.help + "\n"
            // Defaults and variables on their own line keep the help within 100 columns.
            var facts: [String] = []
            if let value = defaultValue(of: spec.name, presets: presets, subcommand: subcommand) { facts.append("default: \(value)") }
            if let variable = spec.environment { facts.append("env: \(variable)") }
            if !facts.isEmpty { out += String(repeating: " ", count: 32) + "[" + facts.joined(separator: "; ") + "]\n" }
        }
        if let presets {
            out += "\nArchitectures (from presets):\n"
            for architecture in presets.architectures {
                let fa = architecture.flashAttention.map { "flash-attn \($0.version)" } ?? "no flash-attn"
                out += "  " + architecture.name.padding(10) + "torch \(architecture.torchVersion) \(architecture.cudaSuffix), CUDA arch \(architecture.cudaArchList), \(fa)"
                out += architecture.gpus.isEmpty ? "\n" : " (\(architecture.gpus))\n"
            }
        } else if let presetsProblem {
            out += "\n(Defaults not shown: \(presetsProblem))\n"
        }
        out += """

        Precedence: option, then environment variable, then presets.
        Exit codes: 0 ok, 1 build or push failed, 64 bad usage, 65 bad presets or Dockerfile,
        66 missing file, repository or ref, 69 engine or registry unavailable, 130/143 interrupted.

        """
        return out
    }

    /// What the command really does without the option: `check` checks every architecture,
    /// `validate` takes the architecture from the image's label.
    private static func defaultValue(of option: String, presets: Presets?, subcommand: Subcommand) -> String? {
        switch (subcommand, option) {
        case (.check, "arch"): return "all"
        case (.validate, "arch"): return "the image's \(ValidateCommand.architectureLabel) label"
        default: break
        }
        switch option {
        case "engine": return "docker"
        case "presets": return "./presets.json"
        case "progress": return "auto"
        case "log-dir": return ".linbuild/logs"
        case "probe-timeout": return "20"
        default: break
        }
        guard let defaults = presets?.defaults else { return nil }
        switch option {
        case "arch": return defaults.arch
        case "branch": return defaults.branch
        case "max-jobs": return String(defaults.maxJobs)
        case "source": return defaults.source
        case "namespace": return defaults.namespace
        case "dockerfile": return defaults.dockerfile.hasPrefix("/") ? defaults.dockerfile : defaults.dockerfile + " (beside the presets file)"
        case "platform": return defaults.platform
        default: return nil
        }
    }
}
