import Foundation
import LinbuildSupport
import LinbuildProcess

/// The two printed views of a plan: shell lines for people (`--dry-run`) and JSON for scripts.
public enum PlanRenderer {
    /// A script a POSIX shell runs as it is, and that does what linbuild would do: the base
    /// decision is encoded as shell functions (`BaseScript`: the immutable tag, then the readable
    /// one, each locally, then in the registry, comparing inputs and platform), the base is built
    /// only when nothing matched, tagged as a run tags it, and pushed under each tag unless the
    /// registry holds the same inputs there. One difference is documented: the script learns the
    /// registry's labels by pulling, so a registry base with other inputs is pulled before it is
    /// rebuilt (or pushed over); linbuild reads its labels over the registry API instead.
    public static func shellScript(_ plan: Plan) -> String {
        var lines = [
            "# linbuild \(LinbuildVersion.current) plan: \(plan.targets.map(\.arch).joined(separator: ", ")) at \(Sanitized.forComment(plan.ref)) = \(plan.commit.sha)",
            "# source: \(Sanitized.forComment(plan.source))",
            "# engine: \(Sanitized.forComment(plan.engine.executable)), \(plan.engine.builder.description)",
        ]
        for target in plan.targets {
            lines.append("# \(target.arch): base \(target.baseImage) (inputs sha256:\(target.baseInputs.digest.prefix(12))), runtime \(target.runtimeImage)")
            if let reason = target.maxJobsReason { lines.append("# \(target.arch): \(Sanitized.forComment(reason))") }
        }
        lines.append("set -e")
        let secrets = Set(plan.steps.flatMap { $0.commands.flatMap { $0.secrets.keys } }).sorted()
        for name in secrets {
            lines.append(": \"${\(name):?export \(name)=the source URL with its credentials; linbuild does not print it}\"")
        }
        lines += BaseScript.functions(plan)
        for step in plan.steps {
            let index = plan.targets.firstIndex { $0.arch == step.arch }.map { $0 + 1 } ?? 0
            let decision = "linbuild_base_\(index)"
            switch (step.kind, step.condition) {
            case (.checkBase, _):
                lines.append("# \(step.title): \(baseDecisionText(plan.baseMode))")
                guard plan.baseMode == .auto, let target = plan.targets.first(where: { $0.arch == step.arch }) else { continue }
                lines += BaseScript.check(plan, target: target, decision: decision)
            case (.buildBase, let condition):
                let target = plan.targets.first { $0.arch == step.arch }
                let tags = target.map { BaseScript.tags(plan, target: $0, from: ShellQuote.quote($0.baseImmutableImage)) } ?? []
                guard condition == .baseNeedsBuild else {
                    lines.append("# \(step.title):")
                    lines += step.commands.map(\.shellLine) + tags
                    continue
                }
                lines.append("# \(step.title), only if \(conditionText(.baseNeedsBuild)):")
                lines.append("if [ \"$\(decision)\" = build ]; then")
                lines += (step.commands.map(\.shellLine) + tags).map { "  " + $0 }
                lines.append("fi")
            case (.pullBase, _):
                switch plan.baseMode {
                case .auto:
                    lines.append("# \(step.title): done by the check above (linbuild_registry), only when no local copy matches:")
                    lines += step.commands.map { "#   " + $0.shellLine }
                case .skip:
                    lines.append("# \(step.title), only if the local store lacks it (--skip-base):")
                    lines.append("if ! \(plan.engine.command(["image", "inspect", step.image ?? ""]).shellLine) >/dev/null 2>&1; then")
                    lines += step.commands.map { "  " + $0.shellLine }
                    lines.append("fi")
                case .force:
                    lines.append("# \(step.title): not run (--force-base builds it):")
                    lines += step.commands.map { "# " + $0.shellLine }
                }
            case (.pushBase, .baseNeedsPush?):
                lines.append("# \(step.title), only if \(conditionText(.baseNeedsPush)):")
                if plan.baseMode == .auto, let target = plan.targets.first(where: { $0.arch == step.arch }) {
                    lines.append("# for each tag, linbuild_push_base runs (unless the registry holds the same inputs there):")
                    lines += step.commands.map { "#   " + $0.shellLine }
                    lines += BaseScript.push(plan, target: target)
                    continue
                }
                let manifest = plan.engine.command(["manifest", "inspect", step.image ?? ""]).shellLine
                lines.append("if ! \(manifest) >/dev/null 2>&1; then")
                lines += step.commands.map { "  " + $0.shellLine }
                lines.append("fi")
            default:
                if let condition = step.condition { lines.append("# \(step.title), only if \(conditionText(condition)):") }
                lines += step.commands.map(\.shellLine)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func baseDecisionText(_ mode: Plan.BaseMode) -> String {
        switch mode {
        case .auto: "the immutable tag, then the readable one; the local store, then the registry (the script pulls; linbuild reads the registry's labels); compare recorded inputs and platform"
        case .force: "skipped (--force-base: always build)"
        case .skip: "skipped (--skip-base: use the existing image)"
        }
    }

    static func conditionText(_ condition: Step.Condition) -> String {
        switch condition {
        case .baseNeedsBuild: "the base is missing or its inputs changed"
        case .baseOnlyInRegistry: "the base is in the registry but not in the local store"
        case .baseNeedsPush: "the registry lacks the base, or holds it with other inputs"
        }
    }

    /// The plan for scripts. Two runs with the same inputs give the same text except for
    /// `workDirectory` (a fresh random folder, also in the steps' paths) and `createdAt` (also
    /// in the `org.opencontainers.image.created` labels): the only fields that vary.
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
