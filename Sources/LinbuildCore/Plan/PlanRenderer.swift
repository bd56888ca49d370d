import Foundation

/// The two printed views of a plan: shell lines for people (`--dry-run`) and JSON for scripts.
public enum PlanRenderer {
    /// Lines a POSIX shell runs as they are. Steps that linbuild runs only on a condition are
    /// introduced by a comment saying when.
    public static func shellScript(_ plan: Plan) -> String {
        var lines = [
            "# linbuild \(LinbuildVersion.current) plan: \(plan.targets.map(\.arch).joined(separator: ", ")) at \(Sanitized.forComment(plan.ref)) = \(plan.commit.sha)",
            "# source: \(Sanitized.forComment(plan.source))",
            "# engine: \(Sanitized.forComment(plan.engine.executable)), \(plan.engine.builder.description)",
        ]
        for target in plan.targets {
            lines.append("# \(target.arch): base \(target.baseImage) (inputs sha256:\(target.baseInputs.digest.prefix(12))), runtime \(target.runtimeImage)")
        }
        lines.append("set -e")
        let secrets = Set(plan.steps.flatMap { $0.commands.flatMap { $0.secrets.keys } }).sorted()
        for name in secrets {
            lines.append(": \"${\(name):?export \(name)=the source URL with its credentials; linbuild does not print it}\"")
        }
        for step in plan.steps {
            if step.kind == .checkBase {
                lines.append("# \(step.title): \(baseDecisionText(plan.baseMode))")
                continue
            }
            if let condition = step.condition {
                lines.append("# \(step.title), only if \(conditionText(condition)):")
            }
            lines += step.commands.map(\.shellLine)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func baseDecisionText(_ mode: Plan.BaseMode) -> String {
        switch mode {
        case .auto: "look in the local store, then the registry; compare recorded inputs"
        case .force: "skipped (--force-base: always build)"
        case .skip: "skipped (--skip-base: use the existing image)"
        }
    }

    static func conditionText(_ condition: Step.Condition) -> String {
        switch condition {
        case .baseNeedsBuild: "the base is missing or its inputs changed"
        case .baseOnlyInRegistry: "the base is in the registry but not in the local store"
        case .baseNeedsPush: "this run built the base or the registry lacks it"
        }
    }

    public static func json(_ plan: Plan) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(plan), as: UTF8.self) + "\n"
    }
}

extension Sanitized {
    /// Text inside a `#` comment of the dry-run: a newline would end the comment and turn the rest
    /// into a command.
    static func forComment(_ text: String) -> String {
        String(forMessage(text, limit: 200).dropFirst().dropLast())
    }
}
