import LinbuildSupport

/// The Flash Attention wheels in the dry-run script: the same rules as a run (`Step.Condition.holds`
/// about every decision the base mode and the wheels' lookup can lead to), in shell. The check
/// leaves `linbuild_fa_N` as `none` (the base is not built, so the wheels are not looked up),
/// `cached`, `pulled` (the script pulled them to read their labels) or `build`.
enum FlashAttentionScript {
    static let none = "none"
    static let words = [none, BaseScript.cached, BaseScript.pulled, BaseScript.build]

    /// The shell functions, or none when no target has the artifact.
    static func functions(_ plan: Plan) -> [String] {
        guard let target = plan.targets.first, plan.steps.contains(where: { $0.kind == .pullFA || $0.kind == .pushFA }) else { return [] }
        let platform = plan.platform.lowercased()
        // Each command's last word (a reference) becomes the function's "$1"; the base's reference
        // stands in for it here, in the same repository, so a push or pull gets the same flags.
        let inspect = BaseScript.withArgument(
            plan.engine.command(["image", "inspect", "--format", template(plan.platform), target.baseImage]))
        let imageID = BaseScript.withArgument(plan.engine.command(["image", "inspect", "--format", "{{.Id}}", target.baseImage]))
        // The pulled copy: by reference when the local store had no wheels under the tag (its ID may
        // have other tags, which an `rm` by ID refuses), by image ID once the tag is given back.
        let removeTag = BaseScript.withArgument(plan.engine.command(["image", "rm", target.baseImage]))
        var removeID = plan.engine.command(["image", "rm", Command.runValue(pulledValue)])
        removeID.runValues = [pulledValue]
        let pulling = plan.engine.pull(target.baseImage, platform: plan.platform)
        var tagBack = plan.engine.command(["tag", Command.runValue(idValue), target.baseImage])
        tagBack.runValues = [idValue]
        var lines = [
            "# linbuild_fa_local REF DIGEST: the local store holds the Flash Attention wheels REF for \(platform) with these inputs (DIGEST).",
            "linbuild_fa_local() {",
            "  linbuild_seen=$(\(inspect) 2>/dev/null) || return 1",
            "  case \"$linbuild_seen\" in \"\(platform) \(BaseInputs.form):$2\") return 0 ;; esac",
            "  return 1",
            "}",
            "# linbuild_fa_registry REF DIGEST: the registry holds REF with these inputs, learnt by pulling it.",
            "linbuild_fa_registry() {",
            "  \(BaseScript.withArgument(pulling)) >&2 && linbuild_fa_local \"$@\"",
            "}",
        ]
        guard let pushing = plan.steps.first(where: { $0.kind == .pushFA })?.commands.first else { return lines }
        lines += [
            "# linbuild_fa_in_registry REF DIGEST: as linbuild_fa_registry, and the local store is left as it was: a local REF is",
            "# tagged back to what it was and the pulled copy removed, so the check never replaces the wheels the local store holds.",
            "linbuild_fa_in_registry() {",
            "  linbuild_fa_id=$(\(imageID) 2>/dev/null) || linbuild_fa_id=",
            "  if linbuild_fa_registry \"$@\"; then linbuild_fa_held=0; else linbuild_fa_held=1; fi",
            "  linbuild_fa_pulled=$(\(imageID) 2>/dev/null) || linbuild_fa_pulled=",
            "  if [ -n \"$linbuild_fa_id\" ]; then \(BaseScript.withArgument(tagBack, substituting: [idValue: "\"$linbuild_fa_id\""])); fi",
            "  if [ -z \"$linbuild_fa_pulled\" ] || [ \"$linbuild_fa_pulled\" = \"$linbuild_fa_id\" ]; then :",
            "  elif [ -z \"$linbuild_fa_id\" ]; then \(removeTag) >/dev/null || :",
            "  else \(removeID.shellLine(substituting: [pulledValue: "\"$linbuild_fa_pulled\""])) >/dev/null 2>&1 || :; fi",
            "  return $linbuild_fa_held",
            "}",
            "# linbuild_fa_push REF DIGEST BASE: before a push of the base BASE, its wheels REF, unless the registry holds them",
            "# with these inputs; wheels neither there nor in the local store stop the script (a base never names missing wheels).",
            "linbuild_fa_push() {",
            "  if linbuild_fa_in_registry \"$1\" \"$2\"; then echo \"$1 is already in the registry with the same inputs\" >&2; return 0; fi",
            "  if ! linbuild_fa_local \"$1\" \"$2\"; then",
            "    echo \"linbuild: \(LinbuildError.wheelsMissingMessage(base: "$3", wheels: "$1", pushed: "neither it nor anything after it was pushed", nowhere: pulledNowhere))\" >&2",
            "    exit \(ExitCode.noInput.rawValue)",
            "  fi",
            "  \(BaseScript.withArgument(pushing))",
            "}",
        ]
        guard plan.steps.contains(where: { $0.kind == .pushFA && $0.image == nil }) else { return lines }
        let label = { (name: String) in
            BaseScript.withArgument(
                plan.engine.command(["image", "inspect", "--format", "{{index .Config.Labels \"\(name)\"}}", target.baseImage]))
        }
        let pushed = "neither it nor anything after it was pushed"
        let fail = { (message: String) in "echo \"linbuild: \(message)\" >&2; exit \(ExitCode.dataError.rawValue)" }
        let foreign = { (own: Bool) in
            fail(
                LinbuildError.foreignWheelsMessage(
                    base: "$1", wheels: "$linbuild_fa_ref", repository: "$2", ownRepository: own, pushed: pushed))
        }
        lines += [
            "# linbuild_fa_named BASE REPOSITORY (--skip-base): before a push of the local base BASE, the wheels its",
            "# \(BaseInputs.flashAttentionImageLabel) label names, which must be an immutable tag of the run's wheels repository",
            "# (<tag>-in<start of their inputs digest>) made from the wheels it records (\(BaseInputs.flashAttentionArtifactLabel)),",
            "# as linbuild_fa_push does; a base that names and records none has none to push.",
            "linbuild_fa_named() {",
            "  linbuild_fa_ref=$(\(label(BaseInputs.flashAttentionImageLabel)))",
            "  linbuild_fa_full=$(\(label(BaseInputs.flashAttentionArtifactLabel)))",
            "  case \"$linbuild_fa_full\" in '<no value>') linbuild_fa_full= ;; esac",
            "  case \"$linbuild_fa_ref\" in '' | '<no value>')",
            "    if [ -n \"$linbuild_fa_full\" ]; then \(fail(LinbuildError.unlinkedWheelsMessage(base: "$1", pushed: pushed))); fi",
            "    echo \"\(LinbuildError.noWheelsMessage(base: "$1"))\" >&2; return 0 ;;",
            "  esac",
            "  if [ -z \"$linbuild_fa_full\" ]; then \(fail(LinbuildError.unrecordedWheelsMessage(base: "$1", wheels: "$linbuild_fa_ref", pushed: pushed))); fi",
            "  case \"$linbuild_fa_ref\" in \"$2\":*) ;; *) \(foreign(false)) ;; esac",
            // The tag's grammar (`TagGrammar.isValidTag`, as a run checks it), then its digest part against what the base records.
            "  linbuild_fa_tag=${linbuild_fa_ref#\"$2\":}",
            "  case \"$linbuild_fa_tag\" in *-in*) linbuild_fa_short=${linbuild_fa_tag##*-in} ;; *) linbuild_fa_short= ;; esac",
            "  case \"$linbuild_fa_tag\" in [!A-Za-z0-9_]* | *[!A-Za-z0-9_.-]*) linbuild_fa_short= ;; esac",
            "  if [ ${#linbuild_fa_tag} -gt \(TagGrammar.maximumLength) ]; then linbuild_fa_short=; fi",
            "  case \"$linbuild_fa_full\" in \"$linbuild_fa_short\"*) ;; *) linbuild_fa_short= ;; esac",
            "  if [ -z \"$linbuild_fa_short\" ]; then \(foreign(true)); fi",
            "  linbuild_fa_push \"$linbuild_fa_ref\" \"$linbuild_fa_full\" \"$1\"",
            "}",
        ]
        return lines
    }

    /// Where the script found the wheels it must push: its registry check pulls, and a pull that gives
    /// none with these inputs cannot tell a registry without them from one that cannot be asked.
    static let pulledNowhere = "not in the local store, and the registry gave none with these inputs (or could not be asked)"

    /// The run value of the tag back in `linbuild_fa_in_registry`: the wheels' local image ID.
    static let idValue = "LINBUILD_FA_ID"
    /// The run value of the removal of the pulled copy by image ID.
    static let pulledValue = "LINBUILD_FA_PULLED"

    /// The variable `linbuild_push_base` reads: the wheels to push (`REF DIGEST BASE`) before the
    /// first tag of the base it pushes; emptied once they are.
    static let pending = "linbuild_fa_pending"

    /// The push of the wheels (`step`), in the shell form of its rule (`Step.Condition.holds` over
    /// every fact it reads): with the base's push when that is decided per tag (`linbuild_push_base`
    /// calls `linbuild_fa_push` before the first tag it pushes), at once when the base is pushed
    /// whatever the registry holds (--force-base).
    static func push(_ step: Step, plan: Plan, target: TargetPlan) -> [String] {
        guard let condition = step.condition, followsTheBasePush(condition, mode: plan.baseMode) else {
            return PlanRenderer.undecidable(step)
        }
        guard let image = step.image, let inputs = target.faInputs else {
            // --skip-base: the wheels are those the local base names, read with the base's push.
            return ["# \(step.title), only if \(PlanRenderer.conditionText(condition)) (linbuild_fa_named, with the base's push)"]
        }
        let arguments = "\(ShellQuote.quote(image)) \(inputs.digest) \(ShellQuote.quote(target.baseImmutableImage))"
        let header = "# \(step.title), only if \(PlanRenderer.conditionText(condition))"
        let basePushes = plan.steps.filter { $0.kind == .pushBase && $0.arch == step.arch }
        if basePushes.allSatisfy({ $0.condition == nil }) {
            return [header + " (the base is pushed whatever the registry holds):", "linbuild_fa_push \(arguments)"]
        }
        return [
            header + " (linbuild_push_base pushes them before the base's first pushed tag):", "\(pending)=\(ShellQuote.quote(arguments))",
        ]
    }

    /// The rule the script's form follows: the wheels are pushed exactly when the base is pushed
    /// and the registry lacks them with these inputs, whatever the base and the wheels' checks found.
    static func followsTheBasePush(_ condition: Step.Condition, mode: Plan.BaseMode) -> Bool {
        for base in BaseDecision.possible(in: mode) {
            for fa in [nil, BaseDecision.cachedLocally, .inRegistry, .missing] {
                for copy in RegistryCopy.allCases {
                    for pushed in [false, true] {
                        let facts = BaseFacts(decision: base, registryCopy: copy, fa: fa, basePushed: pushed)
                        guard condition.holds(given: facts) == (pushed && copy != .sameInputs) else { return false }
                    }
                }
            }
        }
        return true
    }

    /// The check: the immutable tag, locally, then in the registry.
    static func check(_ step: Step, target: TargetPlan, variable: String) -> [String] {
        guard let image = step.image, let inputs = target.faInputs else { return [] }
        let args = "\(ShellQuote.quote(image)) \(inputs.digest)"
        return [
            "\(variable)=\(BaseScript.build)",
            "if linbuild_fa_local \(args); then \(variable)=\(BaseScript.cached)",
            "elif linbuild_fa_registry \(args); then \(variable)=\(BaseScript.pulled); fi",
            "echo \"fa [\(target.arch)]: $\(variable)\" >&2",
        ]
    }

    /// The word for the wheels' decision, given the base's.
    static func word(base: BaseDecision, fa: BaseDecision) -> String {
        base.needsBuild ? BaseScript.word(for: fa) : none
    }

    /// The words of `linbuild_fa_N` for which `condition` holds, over every base decision of
    /// `mode` and every wheels decision; nil when one word would need two verdicts.
    static func words(where condition: Step.Condition, mode: Plan.BaseMode) -> [String]? {
        var verdicts: [String: Bool] = [:]
        for base in BaseDecision.possible(in: mode) {
            for fa in [BaseDecision.cachedLocally, .inRegistry, .missing] {
                let word = word(base: base, fa: fa)
                guard let holds = condition.holds(given: BaseFacts(decision: base, fa: base.needsBuild ? fa : nil)),
                    verdicts[word] ?? holds == holds
                else { return nil }
                verdicts[word] = holds
            }
        }
        return words.filter { verdicts[$0] == true }
    }

    /// A wheels step under the shell form of its condition.
    static func guarded(_ step: Step, plan: Plan, variable: String, body: [String]) -> [String] {
        guard let condition = step.condition, let words = words(where: condition, mode: plan.baseMode) else {
            return PlanRenderer.undecidable(step)
        }
        if words.isEmpty { return ["# \(step.title): not run whatever the checks find:"] + body.map { "# " + $0 } }
        let test = words.map { "[ \"${\(variable):-none}\" = \($0) ]" }.joined(separator: " || ")
        return ["# \(step.title), only if \(PlanRenderer.conditionText(condition)):", "if \(test); then"] + body.map { "  " + $0 } + ["fi"]
    }

    /// `{{.Os}}/{{.Architecture}} <form>:<inputs>` of the wheels' labels.
    static func template(_ platform: String) -> String {
        let variant = platform.split(separator: "/").count > 2 ? "/{{.Variant}}" : ""
        let form = BaseInputs.flashAttentionFormLabel, digest = BaseInputs.flashAttentionDigestLabel
        return "{{.Os}}/{{.Architecture}}\(variant) {{index .Config.Labels \"\(form)\"}}:{{index .Config.Labels \"\(digest)\"}}"
    }
}
