import Foundation
import LinbuildModel
import LinbuildSupport

/// The Flash Attention wheels artifact: looked up (`BaseFinding`, as the base is: the immutable tag,
/// locally, then in the registry) only once the base is to be built; compiled only when it is
/// nowhere with its inputs, pulled when only the registry has it, and pushed before the base.
extension Executor {
    func checkFA(_ step: Step, probe: EngineProbe, state: inout ArchState, summary: inout RunSummary, started: Date) throws {
        guard try decided(step, state.facts), let target = target(of: step), let inputs = target.faInputs, let image = step.image
        else { return }
        var finding: BaseFinding
        do {
            finding = try BaseFinding.find(
                inputs: inputs, references: [image], local: probe.localImage, held: { try registryHolds($0) },
                registry: { try registryImage($0) })
        } catch LinbuildError.registryUnavailable(let why) where plan.baseMode == .force {
            // --force-base builds here whatever the registry says, offline too: the wheels with it.
            console.warning(
                "fa [\(target.arch)]: the registry cannot say whether it holds the wheels (\(why.prefix { $0 != "(" })); compiling them here (--force-base)"
            )
            finding = BaseFinding(decision: .missing)
        }
        if finding.decision == .missing, let previous = try previousWheels(of: target, image: image, probe: probe) {
            finding = BaseFinding(decision: .rebuild(changed: inputs.changes(comparedTo: previous.labels), foundIn: "locally"))
        }
        state.facts.fa = finding.decision
        let reason = Self.faReason(finding)
        state.faReason = reason
        console.info(console.paint("fa [\(target.arch)]: \(reason)", code: "1"))
        if !finding.decision.needsBuild {
            summary.rows.append(
                .init(
                    step: step.name(.summaryRow), outcome: .cached, seconds: Date().timeIntervalSince(started), image: finding.localID,
                    note: reason))
        }
    }

    /// The wheels the local base under the readable tag was made from (its `dev.linbuild.fa.image`
    /// label), if the local store still has them: what tells which of the wheels' inputs changed,
    /// the readable part of their name (versions) included.
    private func previousWheels(of target: TargetPlan, image: String, probe: EngineProbe) throws -> LocalImage? {
        guard let base = try probe.localImage(target.baseImage), let previous = base.labels[BaseInputs.flashAttentionImageLabel],
            previous != image, ImageReference(previous) != nil
        else { return nil }
        return try probe.localImage(previous)
    }

    /// `cached locally`, `in registry`, `compiling, CUDA_ARCH_LIST changed`: the issue's words.
    static func faReason(_ finding: BaseFinding) -> String {
        switch finding.decision {
        case .rebuild(let changed, let place): "compiling, \(changed.joined(separator: ", ")) changed (wheels found \(place))"
        case .missing: "compiling, no wheels with these inputs locally or in the registry"
        default: finding.reason
        }
    }

    func buildFA(_ step: Step, probe: EngineProbe, state: inout ArchState, summary: inout RunSummary) throws {
        guard try decided(step, state.facts) else { return }
        let target = target(of: step)
        if let target { try baseBuildHooks?.willCompileWheels(target) }
        var compiled = false
        let started = Date()  // after the preflight: the history times the compile alone
        defer { if let target { baseBuildHooks?.didCompileWheels(target, seconds: compiled ? Date().timeIntervalSince(started) : nil) } }
        try stream(step, summary: &summary, note: state.faReason, probe: probe)
        compiled = true
    }

    /// The plan's pull of the immutable tag (whose name carries the inputs digest); what arrived must
    /// record those inputs before a base is built on it.
    func pullFA(_ step: Step, probe: EngineProbe, state: inout ArchState, summary: inout RunSummary) throws {
        guard try decided(step, state.facts), let target = target(of: step), let inputs = target.faInputs, let image = step.image
        else { return }
        try stream(step, summary: &summary, note: nil, probe: probe, outcome: .pulled)
        try confirmInputs(of: image, inputs: inputs, named: image, fix: "delete that tag from the registry and run again", probe: probe)
    }

    /// Before the base's push: the wheels the base names go to the registry whenever the base does
    /// and the registry lacks them under their immutable tag (asked once; a registry that cannot
    /// say gets them pushed), whichever run built the base. Wheels the local store lacks too stop
    /// the run: a base is never pushed naming wheels the registry does not have. With --skip-base
    /// the wheels are those the local base names (`dev.linbuild.fa.image`), found out here.
    func pushFA(_ step: Step, probe: EngineProbe, state: inout ArchState, summary: inout RunSummary) throws {
        switch try wheelsPush(step, probe: probe, state: &state) {
        case .push(let push): try stream(push, summary: &summary, note: nil, probe: probe, outcome: .pushed)
        case .held:
            summary.rows.append(
                .init(step: step.name(.summaryRow), outcome: .skipped, seconds: 0, note: "already in the registry with these inputs"))
        case .noWheels(let base):
            console.info(
                "\(step.name(.summaryRow)): \(LinbuildError.noWheelsMessage(base: base))"
            )
        case .baseNotPushed: break
        }
    }

    /// Before the run's first push: every architecture's wheels push is decided, so wheels that are
    /// nowhere stop the run before anything of any architecture is pushed.
    func decideWheelsPushes(probe: EngineProbe, states: inout [String: ArchState]) throws {
        for step in plan.steps where step.kind == .pushFA {
            let arch = step.arch ?? ""
            guard states[arch]?.failed != true else { continue }
            _ = try wheelsPush(step, probe: probe, state: &states[arch, default: ArchState()])
        }
    }

    /// What becomes of the wheels' push.
    enum WheelsPush {
        /// The push, its run value filled in.
        case push(Step)
        /// The registry holds them with these inputs.
        case held
        /// --skip-base: the base (named) names and records no wheels.
        case noWheels(base: String)
        /// The base is not pushed, so neither are its wheels.
        case baseNotPushed
    }

    /// The push of the wheels `step` stands for, or why there is none. Throws when they are to be
    /// pushed and the local store lacks them, or (--skip-base) the base's labels do not name its own
    /// wheels in the run's repository (`wheels(of:)`).
    private func wheelsPush(_ step: Step, probe: EngineProbe, state: inout ArchState) throws -> WheelsPush {
        guard let target = target(of: step) else { return .baseNotPushed }
        state.facts.basePushed = try basePushed(step.arch, state: &state)
        guard state.facts.basePushed == true else { return .baseNotPushed }
        guard let wheels = try wheels(of: step, target: target, probe: probe) else { return .noWheels(base: target.baseImage) }
        let lookup = lookUpRegistry(wheels.image, digestLabel: wheels.digestLabel, state: &state, matches: wheels.matches)
        var facts = state.facts
        facts.registryCopy = lookup.copy
        guard try decided(step, facts) else { return .held }
        let base = plan.baseMode == .skip ? target.baseImage : target.baseImmutableImage
        guard let local = try probe.localImage(wheels.image), wheels.matches(local.labels, local.platform) else {
            if lookup.copy == .unknown { throw LinbuildError.wheelsUnknown(base: base, wheels: wheels.image) }
            throw LinbuildError.wheelsMissing(base: base, wheels: wheels.image)
        }
        var push = step
        push.image = wheels.image
        push.commands = step.commands.map { $0.filling([Step.RunValue.wheelsImage: wheels.image]) ?? $0 }
        return .push(push)
    }

    /// The wheels `step` pushes and how a copy of them is recognised: the plan's immutable tag and
    /// inputs; with --skip-base, those the local base names, which must be an immutable tag of the
    /// run's wheels repository (`faRepository`: no registry the user did not name gets a push) made
    /// from the wheels the base records, recognised by their form and that full inputs digest, as
    /// the dry-run script does (nil: the base names and records none).
    private func wheels(of step: Step, target: TargetPlan, probe: EngineProbe) throws -> Wheels? {
        if let image = step.image, let inputs = target.faInputs {
            return Wheels(image: image, digestLabel: inputs.digestLabelName) { labels, platform in
                inputs.changes(comparedTo: labels, platform: platform).isEmpty
            }
        }
        // The base was used (or pulled) by this run's runtime build.
        guard let base = try probe.localImage(target.baseImage) else {
            throw InternalError("--skip-base: the base \(target.baseImage) left the local store during the run")
        }
        let image = base.labels[BaseInputs.flashAttentionImageLabel] ?? ""
        let recorded = base.labels[BaseInputs.flashAttentionArtifactLabel] ?? ""
        switch (image.isEmpty, recorded.isEmpty) {
        case (true, true): return nil
        case (true, false): throw LinbuildError.mislabeledImage(LinbuildError.unlinkedWheelsMessage(base: target.baseImage))
        case (false, true):
            throw LinbuildError.mislabeledImage(LinbuildError.unrecordedWheelsMessage(base: target.baseImage, wheels: image))
        case (false, false): break
        }
        guard let repository = target.faRepository else { throw InternalError("a --skip-base push of wheels without their repository") }
        let ownRepository = image.hasPrefix(repository + ":")
        let tag = String(image.dropFirst(repository.count + 1))
        let short = tag.components(separatedBy: "-in").last ?? ""
        guard ownRepository, TagGrammar.isValidTag(tag), tag.contains("-in"), !short.isEmpty, recorded.hasPrefix(short) else {
            throw LinbuildError.mislabeledImage(
                LinbuildError.foreignWheelsMessage(
                    base: target.baseImage, wheels: image, repository: repository, ownRepository: ownRepository))
        }
        let platform = plan.platform, digest = BaseInputs.flashAttentionDigestLabel, form = BaseInputs.flashAttentionFormLabel
        return Wheels(image: image, digestLabel: digest) { labels, found in
            ImagePlatform.matches(platform, found: found) && labels[form] == String(BaseInputs.form) && labels[digest] == recorded
        }
    }

    struct Wheels {
        var image: String
        var digestLabel: String
        var matches: (_ labels: [String: String], _ platform: String) -> Bool
    }

    /// Whether the run pushes the base of `arch` under any tag: each push step's own condition, on
    /// what the registry holds there (asked once per tag, the answer the push itself then uses).
    private func basePushed(_ arch: String?, state: inout ArchState) throws -> Bool {
        var pushed = false
        for push in plan.steps where push.kind == .pushBase && push.arch == arch {
            try lookUpRegistry(for: push, state: &state)
            pushed = try decided(push, state.facts(for: push)) || pushed
        }
        return pushed
    }
}
