import Foundation
import LinbuildModel
import LinbuildSupport

/// The base's tags and its push: tags name the image ID this run built or found, never whatever a
/// tag points to by the time it is used, and a push compares inputs, never mere presence.
extension Executor {
    /// Points the immutable tag, and the readable tag when the plan moves it, at `id`.
    func settleTags(of id: String, step: Step, probe: EngineProbe) throws {
        guard plan.baseMode != .skip, let target = target(of: step) else { return }
        try tag(id, as: target.baseImmutableImage, probe: probe)
        if plan.movesBaseTag {
            try tag(id, as: target.baseImage, probe: probe)
        } else {
            console.info(
                "base [\(target.arch)]: \(target.baseImage) is left as it is (only the presets' default branch, or --move-base-tag, moves it); this run uses \(target.baseImmutableImage)"
            )
        }
    }

    func tag(_ id: String, as reference: String, probe: EngineProbe) throws {
        let command = plan.engine.command(["tag", id, reference])
        console.detail(command.shellLine)
        let output = try runner.capture(command, timeout: probe.timeout)
        guard output.termination.succeeded else {
            throw LinbuildError.engineUnavailable("cannot tag \(id) as \(reference): \(output.stderrSummary) (is the engine running?)")
        }
    }

    /// `--skip-base` with no local base: the registry must have it, or there is nothing to use.
    func requireInRegistry(_ reference: String) throws {
        guard try registryImage(reference) == nil else { return }
        throw LinbuildError.baseNotFound(
            "--skip-base: the base \(reference) is neither in the local store nor in the registry (run once without --skip-base to build it, or --registry where it is)"
        )
    }

    /// After a failed build or push: if the engine no longer answers, that is why (exit 69), not the
    /// Dockerfile.
    func requireEngine(_ probe: EngineProbe, after step: Step, log: String) throws {
        do {
            _ = try probe.verify(forBuilds: false)
        } catch let error as LinbuildError where error.exitCode == .unavailable {
            throw LinbuildError.engineUnavailable(
                "the engine stopped answering during \(step.title) (\(error)); the step's log is \(log) (restart the engine and run again)")
        }
    }

    /// Pushes the base under each tag where the plan's rule (`Step.Condition.baseNeedsPush`) says
    /// so given what the registry holds there, tagging the run's image ID just before each push.
    /// The summary says what the registry held before and what it holds now.
    func pushBase(_ step: Step, state: ArchState, probe: EngineProbe, summary: inout RunSummary, started: Date) throws {
        guard let target = target(of: step) else { return }
        let inputs = target.baseInputs
        let skipMode = plan.baseMode == .skip
        let references = skipMode ? [target.baseImage] : [target.baseImmutableImage] + (plan.movesBaseTag ? [target.baseImage] : [])
        let id = skipMode ? probe.imageID(of: target.baseImage) : state.baseID ?? probe.imageID(of: target.baseImmutableImage)
        guard let id else {
            throw LinbuildError.pushFailed(
                "no local base to push for \(target.arch) (\(references[0]) is not in the local store); nothing after it was pushed")
        }
        var notes: [String] = []
        var pushedDigest: String?
        for reference in references {
            var facts = state.facts
            let before: RegistryImage?
            do {
                before = try registryImage(reference)
                facts.registryCopy =
                    before.map { inputs.changes(comparedTo: $0.labels, platform: $0.platform).isEmpty ? .sameInputs : .otherInputs }
                    ?? .absent
            } catch {
                console.warning("cannot tell what the registry holds under \(reference) (\(error)); pushing it to be sure")
                before = nil
                facts.registryCopy = .unknown
            }
            let tagName = reference.split(separator: ":").last.map(String.init) ?? reference
            let held = before.map { Self.describe($0, platform: plan.platform) } ?? (facts.registryCopy == .unknown ? "unknown" : "nothing")
            guard try decided(step, facts) else {
                notes.append("\(tagName) already holds \(held)")
                continue
            }
            try tag(id, as: reference, probe: probe)
            var push = step
            push.commands = [plan.engine.push(reference)]
            push.image = reference
            let digest = try stream(
                push, summary: &summary, note: nil, probe: probe, outcome: .pushed, shownImage: reference, record: false)
            pushedDigest = pushedDigest ?? digest
            notes.append("\(tagName): had \(held), now \(skipMode ? "the local image" : "inputs " + inputs.shortDigest)")
        }
        let seconds = Date().timeIntervalSince(started)
        if pushedDigest == nil && notes.allSatisfy({ $0.contains("already holds") }) {
            summary.rows.append(
                .init(
                    step: step.name(.summaryRow), outcome: .skipped, seconds: seconds,
                    note: "already in the registry with the same inputs (" + notes.joined(separator: "; ") + ")"))
        } else {
            summary.rows.append(
                .init(
                    step: step.name(.summaryRow), outcome: .pushed, seconds: seconds, image: pushedDigest,
                    note: notes.joined(separator: "; ")))
        }
    }

    static func describe(_ image: RegistryImage, platform: String) -> String {
        guard ImagePlatform.matches(platform, found: image.platform) else { return "a \(image.platform) image" }
        guard let digest = image.labels[BaseInputs.digestLabel] else { return "an image without recorded inputs" }
        return "inputs " + digest.prefix(12)
    }
}
