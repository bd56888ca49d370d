import Foundation
import LinbuildModel
import LinbuildSupport

/// The base's check, build and pull: the decision is taken from the local store and the registry
/// (`BaseFinding`), and the build and the pull run the plan's commands once it calls for them.
extension Executor {
    func check(_ step: Step, probe: EngineProbe, state: inout ArchState, summary: inout RunSummary, started: Date) throws {
        let finding = try decide(step, probe: probe, state: &state)
        let decision = finding.decision
        state.facts.decision = decision
        state.finding = finding
        console.info(console.paint("base [\(step.arch ?? "")]: \(finding.reason)", code: "1"))
        if decision == .cachedLocally { state.baseID = finding.localID }
        if !decision.needsBuild {
            summary.rows.append(
                .init(
                    step: step.name(.summaryRow), outcome: decision == .skipped ? .skipped : .cached,
                    seconds: Date().timeIntervalSince(started), image: finding.localID, note: finding.reason))
        }
    }

    private func decide(_ step: Step, probe: EngineProbe, state: inout ArchState) throws -> BaseFinding {
        guard let target = target(of: step), let image = step.image else { return BaseFinding(decision: .missing) }
        switch plan.baseMode {
        case .force:
            return BaseFinding(decision: .forced)
        case .skip:
            let local = try probe.localImage(image)
            state.facts.localCopyMissing = local == nil
            return BaseFinding(decision: .skipped, localID: local?.id)
        case .auto:
            return try BaseFinding.find(
                inputs: target.baseInputs, references: [target.baseImmutableImage, image],
                local: probe.localImage, held: { try registryHolds($0) }, registry: { try registryImage($0) })
        }
    }

    func buildBase(_ step: Step, probe: EngineProbe, state: inout ArchState, summary: inout RunSummary) throws {
        let target = target(of: step)
        if let target { try baseBuildHooks?.willBuild(target) }
        var built = false, buildStarted = Date()  // after the preflight: the history times the build alone
        defer { if let target { baseBuildHooks?.didBuild(target, seconds: built ? Date().timeIntervalSince(buildStarted) : nil) } }
        state.baseID = try stream(step, summary: &summary, note: state.facts.decision?.reason, probe: probe)
        built = true
    }

    /// The plan's pull, of the exact manifest the check looked at: where the base was found under
    /// its readable tag, that tag's manifest by digest, so no local tag moves by accident.
    func pullBase(_ step: Step, probe: EngineProbe, state: inout ArchState, summary: inout RunSummary) throws {
        let planned = step.image ?? ""
        let source = state.finding?.pull ?? planned
        if state.facts.decision == .skipped { try requireInRegistry(source) }
        var pull = step
        pull.commands = step.commands.map { $0.replacing(argument: planned, with: source) }
        let pulledID = try stream(
            pull, summary: &summary, note: state.finding?.stale.map { "\($0) is stale" }, probe: probe,
            outcome: .pulled, shownImage: source)
        if state.finding?.confirmAfterPull == true, let target = target(of: step) {
            try confirmInputs(
                of: source, inputs: target.baseInputs, named: target.baseImmutableImage,
                fix: "delete that tag from the registry, or pass --force-base to build it here", probe: probe)
        }
        if state.facts.decision == .inRegistry { state.baseID = pulledID }
    }

    /// An image found by its immutable tag's name (the base, or an artifact): what was pulled must
    /// record the inputs that name says (a tag someone pointed at another image must not become
    /// this run's base, or what it is made from).
    func confirmInputs(of reference: String, inputs: BaseInputs, named name: String, fix: String, probe: EngineProbe) throws {
        guard let image = try probe.localImage(reference) else {
            throw LinbuildError.engineUnavailable("cannot inspect \(reference) after pulling it (is the engine running?)")
        }
        let changes = inputs.changes(comparedTo: image.labels, platform: image.platform)
        guard changes.isEmpty else {
            throw LinbuildError.mislabeledImage(
                "\(name) in the registry does not hold the inputs its name says (\(changes.joined(separator: ", ")) differ); \(fix)")
        }
    }

    /// Whether the registry has `reference` (one `HEAD`), with the digest it gives it; exit 69
    /// when it cannot say.
    func registryHolds(_ reference: String) throws -> RegistryAnswer {
        guard let parsed = ImageReference(reference) else {
            throw InternalError("the plan holds \(reference), which is not an image reference")
        }
        let answer = registry.manifest(of: parsed)
        if case .unknown(let why) = answer {
            throw LinbuildError.registryUnavailable(
                "cannot decide about \(reference) from the registry: \(why) (fix access and retry, or pass --force-base to build it here)")
        }
        return answer
    }

    /// `--skip-base` with no local base: the registry must have it, or there is nothing to use.
    func requireInRegistry(_ reference: String) throws {
        guard try registryImage(reference) == nil else { return }
        throw LinbuildError.baseNotFound(
            "--skip-base: the base \(reference) is neither in the local store nor in the registry (run once without --skip-base to build it, or --registry where it is)"
        )
    }
}
