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
        var compiled = false, started = Date()  // after the preflight: the history times the compile alone
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
    /// the run: a base is never pushed naming wheels the registry does not have.
    func pushFA(_ step: Step, probe: EngineProbe, state: inout ArchState, summary: inout RunSummary) throws {
        guard let target = target(of: step), let inputs = target.faInputs, let image = step.image else { return }
        state.facts.basePushed = try basePushed(step.arch, state: &state)
        lookUpRegistry(image, inputs: inputs, state: &state)
        guard try decided(step, state.facts(for: step)) else {
            if state.facts.basePushed == true {
                summary.rows.append(
                    .init(step: step.name(.summaryRow), outcome: .skipped, seconds: 0, note: "already in the registry with these inputs"))
            }
            return
        }
        let local = try probe.localImage(image)
        guard let local, inputs.changes(comparedTo: local.labels, platform: local.platform).isEmpty else {
            throw LinbuildError.wheelsMissing(base: target.baseImmutableImage, wheels: image)
        }
        try stream(step, summary: &summary, note: nil, probe: probe, outcome: .pushed)
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
