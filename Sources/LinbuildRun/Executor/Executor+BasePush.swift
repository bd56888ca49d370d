import Foundation
import LinbuildModel
import LinbuildSupport

/// What the registry held under one tag of the base before the run pushed, as the push decision
/// and the summary read it.
struct RegistryLookup {
    var copy: RegistryCopy
    /// In words: `inputs 36f8ba5d1566`, `a linux/arm64 image`, `nothing`, `unknown`.
    var held: String
}

/// The base's push so far, tag by tag; the summary gets one row for it, once its last tag is done.
struct BasePushProgress {
    enum TagOutcome {
        /// Pushed over what the registry held.
        case pushed(tag: String, held: String, now: String)
        /// Left alone: the registry holds the same inputs there.
        case kept(tag: String, held: String)
    }

    var started: Date
    var tags: [TagOutcome] = []
    /// The digest the registry gives the first tag pushed.
    var digest: String?

    func row(_ name: String) -> RunSummary.Row {
        let seconds = Date().timeIntervalSince(started)
        let notes = tags.map { tag -> String in
            switch tag {
            case .pushed(let tag, let held, let now): "\(tag): had \(held), now \(now)"
            case .kept(let tag, let held): "\(tag) already holds \(held)"
            }
        }
        let pushedAny = tags.contains { if case .pushed = $0 { true } else { false } }
        guard pushedAny else {
            return .init(
                step: name, outcome: .skipped, seconds: seconds,
                note: "already in the registry with the same inputs (" + notes.joined(separator: "; ") + ")")
        }
        return .init(step: name, outcome: .pushed, seconds: seconds, image: digest, note: notes.joined(separator: "; "))
    }
}

/// The base's push: one step per tag, each decided on what the registry holds under that tag
/// (`Step.Condition.baseNeedsPush`: inputs are compared, never mere presence). The summary says
/// what the registry held and what it holds now.
extension Executor {
    func pushBase(_ step: Step, _ context: StepContext, state: inout ArchState, summary: inout RunSummary, started: Date) throws {
        guard let target = target(of: step), let reference = step.image else { return }
        var progress = state.basePush ?? BasePushProgress(started: started)
        let lookup = try lookUpRegistry(for: step, state: &state)
        let tag = reference.split(separator: ":").last.map(String.init) ?? reference
        if try decided(step, state.facts(for: step)) {
            let digest = try stream(
                step, summary: &summary, note: nil, probe: context.probe, outcome: .pushed, shownImage: reference, record: false)
            progress.digest = progress.digest ?? digest
            let now = plan.baseMode == .skip ? "the local image" : "inputs " + target.baseInputs.shortDigest
            progress.tags.append(.pushed(tag: tag, held: lookup.held, now: now))
        } else {
            progress.tags.append(.kept(tag: tag, held: lookup.held))
        }
        state.basePush = progress
        if context.isLastOfItsKind { summary.rows.append(progress.row(step.name(.summaryRow))) }
    }

    /// What the registry holds under the step's tag, asked once per tag; a registry that cannot
    /// say is no reason to leave it without the base (the push goes ahead).
    @discardableResult
    func lookUpRegistry(for step: Step, state: inout ArchState) throws -> RegistryLookup {
        guard let reference = step.image, let target = target(of: step) else {
            throw InternalError("\(step.title) names no image to push")
        }
        return lookUpRegistry(reference, inputs: target.baseInputs, state: &state)
    }

    /// What the registry holds under `reference` compared with `inputs` (the base's, or an
    /// artifact's), asked once per reference.
    @discardableResult
    func lookUpRegistry(_ reference: String, inputs: BaseInputs, state: inout ArchState) -> RegistryLookup {
        lookUpRegistry(reference, digestLabel: inputs.digestLabelName, state: &state) { labels, platform in
            inputs.changes(comparedTo: labels, platform: platform).isEmpty
        }
    }

    /// What the registry holds under `reference`, `matches` telling whether its labels and platform
    /// are the inputs wanted; asked once per reference.
    func lookUpRegistry(
        _ reference: String, digestLabel: String, state: inout ArchState, matches: (_ labels: [String: String], _ platform: String) -> Bool
    ) -> RegistryLookup {
        if let known = state.registryCopies[reference] { return known }
        let lookup: RegistryLookup
        do {
            if let image = try registryImage(reference) {
                let same = matches(image.labels, image.platform)
                lookup = RegistryLookup(
                    copy: same ? .sameInputs : .otherInputs, held: Self.describe(image, platform: plan.platform, digestLabel: digestLabel))
            } else {
                lookup = RegistryLookup(copy: .absent, held: "nothing")
            }
        } catch {
            console.warning("cannot tell what the registry holds under \(reference) (\(error)); pushing it to be sure")
            lookup = RegistryLookup(copy: .unknown, held: "unknown")
        }
        state.registryCopies[reference] = lookup
        return lookup
    }

    static func describe(_ image: RegistryImage, platform: String, digestLabel: String) -> String {
        guard ImagePlatform.matches(platform, found: image.platform) else { return "a \(image.platform) image" }
        guard let digest = image.labels[digestLabel] else { return "an image without recorded inputs" }
        return "inputs " + digest.prefix(12)
    }
}
