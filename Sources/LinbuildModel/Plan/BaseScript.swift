import LinbuildSupport

/// The base decision of a run, as shell for the dry-run script: the same lookup `BaseFinding.find`
/// makes (immutable tag, then readable tag; the local store, then the registry; a copy with other
/// inputs or for another platform does not end the search), the tags `settleTags` sets, and the
/// pushes `pushBase` makes. The script learns what the registry holds by pulling it: linbuild reads
/// the manifest and config over the registry API instead.
enum BaseScript {
    /// The shell functions the decision lines call, or none when the plan has no base decision.
    static func functions(_ plan: Plan) -> [String] {
        guard plan.baseMode == .auto, let first = plan.targets.first else { return [] }
        let inspect = withArgument(
            plan.engine.command(["image", "inspect", "--format", template(plan.platform), first.baseImmutableImage]))
        // The registry host decides the engine's flags (podman's loopback TLS flag): rendered with
        // one of the plan's references, whose place "$1" then takes.
        let pull = withArgument(plan.engine.pull(first.baseImmutableImage, platform: plan.platform))
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
        if plan.steps.contains(where: { $0.kind == .pushBase && $0.condition != nil }) {
            let tag = withArgument(plan.engine.command(["tag", "LINBUILD_ID", first.baseImmutableImage]))
                .replacingOccurrences(of: "LINBUILD_ID", with: "\"$linbuild_id\"")
            let push = withArgument(plan.engine.push(first.baseImmutableImage))
            lines += [
                "# linbuild_push_base ID REF DIGEST FORM1_DIGEST: pushes ID as REF unless the registry holds REF with these",
                "# inputs already (learnt by pulling it, after which REF is tagged back to ID).",
                "linbuild_push_base() {",
                "  linbuild_id=$1; shift",
                "  if linbuild_registry \"$@\"; then",
                "    \(tag)",
                "    echo \"$1 is already in the registry with the same inputs\" >&2",
                "  else",
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

    /// The check step of `target`: sets `linbuild_base_N` to cached, pulled or build, and tags what was found.
    static func check(_ plan: Plan, target: TargetPlan, decision: String) -> [String] {
        var lines = [
            "\(decision)=\(build)",
            "if linbuild_find \(quoted(target.baseImmutableImage)) \(quoted(target.baseImage)) \(inputs(target)); then",
            "  \(decision)=$linbuild_how",
        ]
        lines += tags(plan, target: target, from: "\"$linbuild_found\"").map { "  " + $0 }
        lines += ["fi", "echo \"base [\(target.arch)]: $\(decision)\" >&2"]
        return lines
    }

    /// Once the base was found or built (as `source`): the immutable tag, and the readable one when
    /// the plan moves it.
    static func tags(_ plan: Plan, target: TargetPlan, from source: String) -> [String] {
        var lines: [String] = []
        if source != quoted(target.baseImmutableImage) {
            lines.append(tagLine(plan, source, target.baseImmutableImage))
        }
        if plan.movesBaseTag {
            lines.append(tagLine(plan, quoted(target.baseImmutableImage), target.baseImage))
        }
        return lines
    }

    /// The push of the base after an automatic decision: each tag linbuild pushes (the immutable
    /// one; the readable one when it moves), unless the registry holds it with the same inputs.
    static func push(_ plan: Plan, target: TargetPlan) -> [String] {
        let id = plan.engine.command(["image", "inspect", "--format", "{{.Id}}", target.baseImmutableImage]).shellLine
        var lines = ["linbuild_id=$(\(id))"]
        for reference in [target.baseImmutableImage] + (plan.movesBaseTag ? [target.baseImage] : []) {
            lines.append("linbuild_push_base \"$linbuild_id\" \(quoted(reference)) \(inputs(target))")
        }
        return lines
    }

    private static func inputs(_ target: TargetPlan) -> String {
        "\(target.baseInputs.digest) \(target.baseInputs.legacyDigest)"
    }

    private static func quoted(_ word: String) -> String { ShellQuote.quote(word) }

    private static func tagLine(_ plan: Plan, _ source: String, _ destination: String) -> String {
        plan.engine.command(["tag", "LINBUILD_SOURCE_IMAGE", destination]).shellLine
            .replacingOccurrences(of: "LINBUILD_SOURCE_IMAGE", with: source)
    }

    /// `{{.Os}}/{{.Architecture}}[/{{.Variant}}] <form>:<inputs>`: the variant only when the plan's
    /// platform names one, as `ImagePlatform.matches` compares it.
    static func template(_ platform: String) -> String {
        let variant = platform.split(separator: "/").count > 2 ? "/{{.Variant}}" : ""
        return
            "{{.Os}}/{{.Architecture}}\(variant) {{index .Config.Labels \"\(BaseInputs.formLabel)\"}}:{{index .Config.Labels \"\(BaseInputs.digestLabel)\"}}"
    }

    /// The command with its last argument (a reference) replaced by the function's `"$1"`.
    private static func withArgument(_ command: Command) -> String {
        var command = command
        command.arguments[command.arguments.count - 1] = "LINBUILD_REFERENCE_ARGUMENT"
        return command.shellLine.replacingOccurrences(of: "LINBUILD_REFERENCE_ARGUMENT", with: "\"$1\"")
    }
}
