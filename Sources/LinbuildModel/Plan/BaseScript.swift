import LinbuildSupport

/// The base decision of a run, as shell for the dry-run script: the same lookup `BaseFinding.find`
/// makes (immutable tag, then readable tag; the local store, then the registry; a copy with other
/// inputs or for another platform does not end the search), then the commands of the plan's base
/// steps: its pull, its tags (`tagBase`), and its pushes, each tag after its `tagBaseForPush`. The
/// script learns what the registry holds by pulling it: linbuild reads the manifest and config over
/// the registry API instead.
enum BaseScript {
    /// The shell functions the decision lines call, or none when the plan has no base decision.
    static func functions(_ plan: Plan) -> [String] {
        guard plan.baseMode == .auto, let first = plan.targets.first,
            let pulling = plan.steps.first(where: { $0.kind == .pullBase })?.commands.first
        else { return [] }
        let inspect = withArgument(
            plan.engine.command(["image", "inspect", "--format", template(plan.platform), first.baseImmutableImage]))
        // The plan's pull, with the reference it pulls (the registry host decides the engine's
        // flags: podman's loopback TLS flag) given as the function's "$1".
        let pull = withArgument(pulling)
        let platform = plan.platform.lowercased()
        var lines = [
            "# linbuild_local REF DIGEST FORM1_DIGEST: the local store holds REF for \(platform) with these inputs (form \(BaseInputs.form)",
            "# records the digest; an image without the form label was recorded by an earlier linbuild, form 1).",
            "linbuild_local() {",
            "  linbuild_seen=$(\(inspect) 2>/dev/null) || return 1",
            "  [ \"$linbuild_seen\" = \"\(platform) \(BaseInputs.form):$2\" ] || [ \"$linbuild_seen\" = \"\(platform) :$3\" ]",
            "}",
            "# linbuild_registry REF DIGEST FORM1_DIGEST: the registry holds REF with these inputs, learnt by pulling it.",
            "linbuild_registry() {",
            "  \(pull) >&2 && linbuild_local \"$@\"",
            "}",
            "# linbuild_find IMMUTABLE READABLE DIGEST FORM1_DIGEST: the immutable tag, then the readable one; the local",
            "# store, then the registry. A copy with other inputs does not end the search: a stale local copy falls",
            "# through to the registry. Sets linbuild_found (the reference) and linbuild_how (cached or pulled).",
            "linbuild_find() {",
            "  linbuild_how=\(cached)",
            "  for linbuild_found in \"$1\" \"$2\"; do linbuild_local \"$linbuild_found\" \"$3\" \"$4\" && return 0; done",
            "  linbuild_how=\(pulled)",
            "  for linbuild_found in \"$1\" \"$2\"; do linbuild_registry \"$linbuild_found\" \"$3\" \"$4\" && return 0; done",
            "  return 1",
            "}",
        ]
        if let tagging = plan.steps.first(where: { $0.kind == .tagBaseForPush && $0.condition != nil })?.commands.first,
            let pushing = plan.steps.first(where: { $0.kind == .pushBase && $0.condition != nil })?.commands.first
        {
            let tag = withArgument(tagging, substituting: [Step.RunValue.baseImageID: "\"$linbuild_id\""])
            let push = withArgument(pushing)
            lines += [
                "# linbuild_push_base ID REF DIGEST FORM1_DIGEST: pushes ID as REF unless the registry holds REF with these",
                "# inputs already (learnt by pulling it, after which REF is tagged back to ID).",
                "linbuild_push_base() {",
                "  linbuild_id=$1; shift",
                "  if linbuild_registry \"$@\"; then",
                "    \(tag)",
                "    echo \"$1 is already in the registry with the same inputs\" >&2",
                "  else",
            ]
            // The wheels the base names go first, with its first pushed tag (`FlashAttentionScript.push`).
            if plan.steps.contains(where: { $0.kind == .pushFA }) {
                let pending = FlashAttentionScript.pending
                lines += [
                    "    if [ -n \"${\(pending):-}\" ]; then eval \"linbuild_fa_push $\(pending)\"; \(pending)=; fi"
                ]
            }
            lines += [
                "    \(tag)",
                "    \(push)",
                "  fi",
                "}",
            ]
        }
        return lines
    }

    /// The words the check step leaves in `linbuild_base_N`: one per kind of automatic decision.
    static let cached = "cached", pulled = "pulled", build = "build"
    static let decisionWords = [cached, pulled, build]

    static func word(for decision: BaseDecision) -> String {
        switch decision {
        case .cachedLocally: cached
        case .inRegistry: pulled
        default: build
        }
    }

    /// The decision words for which `condition` holds after an automatic check, or nil when the
    /// rule tells apart decisions the script's word does not (it would need another test).
    static func words(where condition: Step.Condition) -> [String]? {
        var verdicts: [String: Bool] = [:]
        for decision in BaseDecision.possible(in: .auto) {
            let word = word(for: decision)
            guard let holds = condition.holds(given: BaseFacts(decision: decision)), verdicts[word] ?? holds == holds else { return nil }
            verdicts[word] = holds
        }
        return decisionWords.filter { verdicts[$0] == true }
    }

    /// The check step of `target`: sets `linbuild_base_N` to cached, pulled or build, and tags
    /// what was found as `tags` (the plan's `tagBase` step) says.
    static func check(_ plan: Plan, target: TargetPlan, tags tagStep: Step?, decision: String) -> [String] {
        var lines = [
            "\(decision)=\(build)",
            "if linbuild_find \(quoted(target.baseImmutableImage)) \(quoted(target.baseImage)) \(inputs(target)); then",
            "  \(decision)=$linbuild_how",
        ]
        lines += tags(tagStep, target: target, from: "\"$linbuild_found\"").map { "  " + $0 }
        lines += ["fi", "echo \"base [\(target.arch)]: $\(decision)\" >&2"]
        return lines
    }

    /// Once the base was found or built (as `source`): the commands of the plan's `tagBase` step,
    /// with the base's image ID (which the script does not know) given as where it is: the
    /// immutable tag from `source`, any other from the immutable tag.
    static func tags(_ step: Step?, target: TargetPlan, from source: String) -> [String] {
        (step?.commands ?? []).compactMap { command in
            let destination = command.arguments.last ?? ""
            let from = destination == target.baseImmutableImage ? source : quoted(target.baseImmutableImage)
            guard from != quoted(destination) else { return nil }
            return command.shellLine(substituting: [Step.RunValue.baseImageID: from])
        }
    }

    /// `linbuild_id=…`: the image ID of the base as the local store has it under its immutable tag.
    static func imageID(_ plan: Plan, of target: TargetPlan) -> String {
        "linbuild_id=$(\(plan.engine.command(["image", "inspect", "--format", "{{.Id}}", target.baseImmutableImage]).shellLine))"
    }

    /// The push of the base after an automatic decision: each tag the plan pushes (`tags`),
    /// unless the registry holds it with the same inputs.
    static func push(_ plan: Plan, target: TargetPlan, tags: [String]) -> [String] {
        [imageID(plan, of: target)] + tags.map { "linbuild_push_base \"$linbuild_id\" \(quoted($0)) \(inputs(target))" }
            + (target.faImage == nil ? [] : ["\(FlashAttentionScript.pending)="])
    }

    private static func inputs(_ target: TargetPlan) -> String {
        "\(target.baseInputs.digest) \(target.baseInputs.legacyDigest)"
    }

    private static func quoted(_ word: String) -> String { ShellQuote.quote(word) }

    /// `{{.Os}}/{{.Architecture}}[/{{.Variant}}] <form>:<inputs>`: the variant only when the plan's
    /// platform names one, as `ImagePlatform.matches` compares it.
    static func template(_ platform: String) -> String {
        let variant = platform.split(separator: "/").count > 2 ? "/{{.Variant}}" : ""
        return
            "{{.Os}}/{{.Architecture}}\(variant) {{index .Config.Labels \"\(BaseInputs.formLabel)\"}}:{{index .Config.Labels \"\(BaseInputs.digestLabel)\"}}"
    }

    /// The command with its last argument (a reference) replaced by the function's `"$1"`, and
    /// the placeholders in `words` written as those shell words.
    static func withArgument(_ command: Command, substituting words: [String: String] = [:]) -> String {
        var command = command
        let argument = "LINBUILD_REFERENCE_ARGUMENT"
        command.arguments[command.arguments.count - 1] = "$" + argument
        command.runValues.insert(argument)
        return command.shellLine(substituting: words.merging([argument: "\"$1\""]) { $1 })
    }
}
