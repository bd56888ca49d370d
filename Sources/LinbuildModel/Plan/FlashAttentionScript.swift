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
        guard let target = plan.targets.first(where: { $0.faImage != nil }), let inputs = target.faInputs,
            let pulling = plan.steps.first(where: { $0.kind == .pullFA })?.commands.first
        else { return [] }
        let platform = plan.platform.lowercased()
        let inspect = BaseScript.withArgument(
            plan.engine.command(["image", "inspect", "--format", template(plan.platform, inputs: inputs), target.faImage ?? ""]))
        return [
            "# linbuild_fa_local REF DIGEST: the local store holds the Flash Attention wheels REF for \(platform) with these inputs.",
            "linbuild_fa_local() {",
            "  linbuild_seen=$(\(inspect) 2>/dev/null) || return 1",
            "  [ \"$linbuild_seen\" = \"\(platform) \(BaseInputs.form):$2\" ]",
            "}",
            "# linbuild_fa_registry REF DIGEST: the registry holds REF with these inputs, learnt by pulling it.",
            "linbuild_fa_registry() {",
            "  \(BaseScript.withArgument(pulling)) >&2 && linbuild_fa_local \"$@\"",
            "}",
        ]
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
    /// `mode` and every wheels decision (and, for the push, what the registry holds after the
    /// check: the same inputs exactly when the check pulled them); nil when one word would need two verdicts.
    static func words(where condition: Step.Condition, mode: Plan.BaseMode) -> [String]? {
        var verdicts: [String: Bool] = [:]
        for base in BaseDecision.possible(in: mode) {
            for fa in [BaseDecision.cachedLocally, .inRegistry, .missing] {
                let word = word(base: base, fa: fa)
                let copy: RegistryCopy = fa == .inRegistry ? .sameInputs : .absent
                guard let holds = condition.holds(given: BaseFacts(decision: base, registryCopy: copy, fa: base.needsBuild ? fa : nil)),
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
    static func template(_ platform: String, inputs: BaseInputs) -> String {
        let variant = platform.split(separator: "/").count > 2 ? "/{{.Variant}}" : ""
        return
            "{{.Os}}/{{.Architecture}}\(variant) {{index .Config.Labels \"\(inputs.formLabelName)\"}}:{{index .Config.Labels \"\(inputs.digestLabelName)\"}}"
    }
}
