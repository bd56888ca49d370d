import Foundation
import LinbuildSupport

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
            lines.append(
                "# \(target.arch): base \(target.baseImage) (inputs sha256:\(target.baseInputs.digest.prefix(12))), runtime \(target.runtimeImage)"
            )
            if let image = target.faImage, let inputs = target.faInputs {
                lines.append("# \(target.arch): Flash Attention wheels \(image) (inputs sha256:\(inputs.digest.prefix(12)))")
            }
            if let reason = target.maxJobsReason { lines.append("# \(target.arch): \(Sanitized.forComment(reason))") }
            for (stage, image) in target.lockedImages.sorted(by: { $0.key < $1.key }) {
                lines.append("# \(target.arch): stage \(stage) pinned by the lock to \(Sanitized.forComment(image))")
            }
        }
        if let epoch = plan.sourceDateEpoch {
            lines.append(
                "# SOURCE_DATE_EPOCH=\(epoch) (the commit's time): the runtime's created label and, where the engine can, its files' times")
        }
        if let problem = plan.timestampProblem { lines.append("# note: \(Sanitized.escapingControls(problem))") }
        lines.append("set -e")
        let secrets = Set(plan.steps.flatMap { $0.commands.flatMap { $0.secrets.keys } }).sorted()
        for name in secrets {
            lines.append(": \"${\(name):?export \(name)=\(BuildSecret.meaning(of: name)); linbuild does not print it}\"")
        }
        lines += workFolder(plan)
        lines += BaseScript.functions(plan)
        lines += FlashAttentionScript.functions(plan)
        for step in plan.steps {
            let index = plan.targets.firstIndex { $0.arch == step.arch }.map { $0 + 1 } ?? 0
            let decision = "linbuild_base_\(index)"
            let faWord = "linbuild_fa_\(index)"
            let target = plan.targets.first { $0.arch == step.arch }
            // The base's tags, rendered where the script has the base in hand (after the check
            // found it, after the build), from where it was found: the script knows no image ID.
            let tagStep = plan.steps.first { $0.kind == .tagBase && $0.arch == step.arch }
            switch step.kind {
            case .checkBase:
                lines.append("# \(step.title): \(baseDecisionText(plan.baseMode))")
                guard plan.baseMode == .auto, let target else { continue }
                lines += BaseScript.check(plan, target: target, tags: tagStep, decision: decision)
            case .buildBase:
                let tags = target.map { BaseScript.tags(tagStep, target: $0, from: ShellQuote.quote($0.baseImmutableImage)) } ?? []
                lines += guarded(step, plan: plan, decision: decision, body: step.commands.map(\.shellLine) + tags)
            case .pullBase:
                lines += pull(step, plan: plan, decision: decision)
            case .tagBase:
                continue
            case .checkFA:
                guard let target else { continue }
                lines.append("\(faWord)=\(FlashAttentionScript.none)")
                lines += guarded(
                    step, plan: plan, decision: decision, body: FlashAttentionScript.check(step, target: target, variable: faWord))
            case .buildFA:
                lines += FlashAttentionScript.guarded(step, plan: plan, variable: faWord, body: step.commands.map(\.shellLine))
            case .pullFA:
                guard FlashAttentionScript.words(where: .faOnlyInRegistry, mode: plan.baseMode) == [BaseScript.pulled] else {
                    lines += undecidable(step)
                    continue
                }
                lines +=
                    ["# \(step.title): done by the check above (linbuild_fa_registry), only when no local copy matches:"]
                    + step.commands.map { "#   " + $0.shellLine }
            case .pushFA:
                guard let target else { continue }
                lines += FlashAttentionScript.push(step, plan: plan, target: target)
            case .tagBaseForPush, .pushBase:
                // The base's push, every tag of it, where its first step is.
                let steps = plan.steps.filter { [.tagBaseForPush, .pushBase].contains($0.kind) && $0.arch == step.arch }
                guard steps.first == step else { continue }
                lines += pushBase(steps, plan: plan, target: target)
            default:
                lines += guarded(step, plan: plan, decision: decision, body: step.commands.map(\.shellLine))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The work folder: created private, and removed on every way out, as a run does (after a
    /// failure too, and on Ctrl-C or SIGTERM, with linbuild's exit codes). The builds' secret files
    /// go in it, written from the variables the script checked at its start, readable by this
    /// user only (a run writes each just before the build that reads it and removes it after).
    static func workFolder(_ plan: Plan) -> [String] {
        let remove = Command("rm", ["-rf", "--", plan.workDirectory]).shellLine
        var lines = [
            "# the work folder, removed however the script ends:",
            Command("mkdir", ["-m", "700", plan.workDirectory]).shellLine,
            "trap \(ShellQuote.quote(remove)) EXIT",
            "trap 'exit 130' INT",
            "trap 'exit 143' TERM",
            Command("mkdir", [plan.sourceContext, plan.emptyContext]).shellLine,
        ]
        var files: [String: String] = [:]
        for command in plan.steps.flatMap(\.commands) { files.merge(command.secretFiles) { first, _ in first } }
        guard !files.isEmpty else { return lines }
        let folders = Set(files.keys.map { ($0 as NSString).deletingLastPathComponent }).sorted()
        lines.append("# the build secrets (credentials the locations carry), in files only this user can read:")
        lines.append(Command("mkdir", ["-m", "700"] + folders).shellLine)
        for (path, variable) in files.sorted(by: { $0.key < $1.key }) {
            lines.append("(umask 077 && printf '%s' \"$\(variable)\" > \(ShellQuote.quote(path)))")
        }
        return lines
    }

    /// A step's lines under the shell form of its condition, which comes from asking
    /// `Step.Condition.holds` about every decision the plan's base mode can lead to.
    static func guarded(_ step: Step, plan: Plan, decision: String, body: [String]) -> [String] {
        guard let condition = step.condition else {
            return (step.kind == .buildBase ? ["# \(step.title):"] : []) + body
        }
        let header = "# \(step.title), only if \(conditionText(condition))"
        guard plan.baseMode == .auto else {
            let verdicts = Set(BaseDecision.possible(in: plan.baseMode).map { condition.holds(given: BaseFacts(decision: $0)) })
            switch verdicts {
            case [true]: return [header + ":"] + body
            case [false]: return ["# \(step.title): not run (--\(plan.baseMode.rawValue)-base):"] + body.map { "# " + $0 }
            default: return undecidable(step)
            }
        }
        guard let words = BaseScript.words(where: condition) else { return undecidable(step) }
        if words.isEmpty { return ["# \(step.title): not run whatever the check finds:"] + body.map { "# " + $0 } }
        if Set(words) == Set(BaseScript.decisionWords) { return [header + ":"] + body }
        let test = words.map { "[ \"$\(decision)\" = \($0) ]" }.joined(separator: " || ")
        return [header + ":", "if \(test); then"] + body.map { "  " + $0 } + ["fi"]
    }

    /// The pull of a base found only in the registry. After an automatic check, the check pulled it
    /// already when the rule says "pulled" (by tag; linbuild pulls by digest); with --skip-base it
    /// depends on what the local store holds.
    static func pull(_ step: Step, plan: Plan, decision: String) -> [String] {
        let body = step.commands.map(\.shellLine)
        guard let condition = step.condition, plan.baseMode != .force else {
            return guarded(step, plan: plan, decision: decision, body: body)
        }
        if plan.baseMode == .auto {
            guard BaseScript.words(where: condition) == [BaseScript.pulled] else {
                return guarded(step, plan: plan, decision: decision, body: body)
            }
            return ["# \(step.title): done by the check above (linbuild_registry), only when no local copy matches:"]
                + body.map { "#   " + $0 }
        }
        let whenMissing = condition.holds(given: BaseFacts(decision: .skipped, localCopyMissing: true))
        let whenPresent = condition.holds(given: BaseFacts(decision: .skipped, localCopyMissing: false))
        let inspect = plan.engine.command(["image", "inspect", step.image ?? ""]).shellLine + " >/dev/null 2>&1"
        switch (whenMissing, whenPresent) {
        case (true, true): return ["# \(step.title):"] + body
        case (false, false): return ["# \(step.title): not run (--skip-base):"] + body.map { "# " + $0 }
        case (true, false):
            return ["# \(step.title), only if the local store lacks it (--skip-base):", "if ! \(inspect); then"] + body.map { "  " + $0 }
                + ["fi"]
        case (false, true):
            return ["# \(step.title), only if the local store holds it (--skip-base):", "if \(inspect); then"] + body.map { "  " + $0 } + [
                "fi"
            ]
        default: return undecidable(step)
        }
    }

    /// The push of one base, tag by tag (`steps`: its `tagBaseForPush` and `pushBase` steps), in
    /// the shell form of their condition: the registry copies the rule pushes over, told apart by
    /// pulling and comparing inputs (or, with --skip-base, by presence).
    static func pushBase(_ steps: [Step], plan: Plan, target: TargetPlan?) -> [String] {
        let pushes = steps.filter { $0.kind == .pushBase }
        // The commands as they are, with the base's ID the script asks the local store for.
        let idWord = [Step.RunValue.baseImageID: "\"$linbuild_id\""]
        let all =
            (target.map { [BaseScript.imageID(plan, of: $0)] } ?? [])
            + steps.flatMap { $0.commands.map { $0.shellLine(substituting: idWord) } }
        guard let first = pushes.first, let condition = first.condition else {
            // Unconditional (--force-base): each tag of the run's base, then its push.
            return all
        }
        guard steps.allSatisfy({ $0.condition == condition }) else { return undecidable(first) }
        let pushedOver = Set(
            BaseDecision.possible(in: plan.baseMode).map { decision in
                Set(RegistryCopy.allCases.filter { condition.holds(given: BaseFacts(decision: decision, registryCopy: $0)) == true })
            })
        guard pushedOver.count == 1, let copies = pushedOver.first else { return undecidable(first) }
        let header = "# \(first.title), only if \(conditionText(condition)):"
        let shown = pushes.flatMap(\.commands).map(\.shellLine)
        if copies == Set(RegistryCopy.allCases) { return [header] + all }
        if copies.isEmpty { return ["# \(first.title): not run whatever the registry holds:"] + shown.map { "# " + $0 } }
        if plan.baseMode == .auto, copies == [.absent, .otherInputs, .unknown], let target {
            return [header, "# for each tag, linbuild_push_base runs (unless the registry holds the same inputs there):"]
                + shown.map { "#   " + $0 } + BaseScript.push(plan, target: target, tags: pushes.compactMap(\.image))
        }
        if plan.baseMode == .skip, copies == [.absent, .unknown], steps.allSatisfy({ $0.kind == .pushBase }) {
            // The wheels the local base names go first (`FlashAttentionScript.functions`), from the
            // run's wheels repository.
            let wheels = plan.steps.contains { $0.kind == .pushFA && $0.arch == first.arch && $0.image == nil }
            let repository = target?.faRepository
            if wheels && repository == nil { return undecidable(first) }
            return [header]
                + pushes.flatMap { step in
                    let manifest = plan.engine.command(["manifest", "inspect", step.image ?? ""]).shellLine
                    let named =
                        wheels
                        ? ["  linbuild_fa_named \(ShellQuote.quote(step.image ?? "")) \(ShellQuote.quote(repository ?? ""))"] : []
                    return ["if ! \(manifest) >/dev/null 2>&1; then"] + named + step.commands.map { "  " + $0.shellLine } + ["fi"]
                }
        }
        return undecidable(first)
    }

    /// A rule the script has no test for: it stops rather than do something a run would not.
    static func undecidable(_ step: Step) -> [String] {
        ["echo \(ShellQuote.quote("linbuild: the condition of \(step.title) has no shell form; run linbuild itself")) >&2", "exit 1"]
    }

    private static func baseDecisionText(_ mode: Plan.BaseMode) -> String {
        switch mode {
        case .auto:
            "the immutable tag, then the readable one; the local store, then the registry (the script pulls; linbuild reads the registry's labels); compare recorded inputs and platform"
        case .force: "skipped (--force-base: always build)"
        case .skip: "skipped (--skip-base: use the existing image)"
        }
    }

    static func conditionText(_ condition: Step.Condition) -> String {
        switch condition {
        case .baseNeedsBuild: "the base is missing or its inputs changed"
        case .baseOnlyInRegistry: "the base is in the registry but not in the local store"
        case .baseNeedsPush: "the registry lacks the base, or holds it with other inputs"
        case .faNeedsBuild: "the base is to be built and the Flash Attention wheels with its inputs are nowhere"
        case .faOnlyInRegistry: "the base is to be built and the wheels are in the registry only"
        case .faNeedsPush: "the base is pushed and the registry lacks the Flash Attention wheels it names"
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
