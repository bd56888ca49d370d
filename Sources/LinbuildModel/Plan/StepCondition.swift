/// What a run has learnt about one architecture's base by the time a conditional step comes up:
/// everything a `Step.Condition` is decided on. The executor fills it in as it goes; the dry-run
/// renderer enumerates it, so the printed script and a run follow one rule.
public struct BaseFacts: Equatable, Sendable {
    /// The base decision, once the check step has taken it.
    public var decision: BaseDecision?
    /// `--skip-base`: the local store lacks the base (nil: not asked).
    public var localCopyMissing: Bool?
    /// What the registry holds under the tag about to be pushed (nil: not asked yet).
    public var registryCopy: RegistryCopy?
    /// The Flash Attention wheels' decision, once their check has taken it (only when the base is
    /// to be built).
    public var fa: BaseDecision?
    /// The run pushes the base under at least one tag (nil: the registry has not been asked about
    /// every tag yet): its wheels must then be in the registry too, whenever the base was built.
    public var basePushed: Bool?

    public init(
        decision: BaseDecision? = nil, localCopyMissing: Bool? = nil, registryCopy: RegistryCopy? = nil, fa: BaseDecision? = nil,
        basePushed: Bool? = nil
    ) {
        self.decision = decision
        self.localCopyMissing = localCopyMissing
        self.registryCopy = registryCopy
        self.fa = fa
        self.basePushed = basePushed
    }
}

/// What a registry holds under one tag of the base, compared with this run's base.
public enum RegistryCopy: Sendable, CaseIterable {
    case absent
    case sameInputs
    /// Other inputs, or the right inputs for another platform.
    case otherInputs
    /// The registry could not be asked.
    case unknown
}

extension Step.Condition {
    /// Whether the condition holds given what the run has learnt; nil while the facts it needs
    /// are not known yet (the check has not run, the registry has not been asked).
    public func holds(given facts: BaseFacts) -> Bool? {
        guard let decision = facts.decision else { return nil }
        switch self {
        case .baseNeedsBuild:
            return decision.needsBuild
        case .baseOnlyInRegistry:
            if decision == .inRegistry { return true }
            guard decision == .skipped else { return false }
            return facts.localCopyMissing
        case .baseNeedsPush:
            guard let copy = facts.registryCopy else { return nil }
            switch copy {
            case .absent, .unknown:
                // Not knowing is no reason to leave the registry without the base.
                return true
            case .sameInputs:
                return false
            case .otherInputs:
                // --skip-base uses the image as it is, unchecked: it never replaces what the registry holds.
                return decision != .skipped
            }
        case .faNeedsBuild, .faOnlyInRegistry:
            // The wheels matter only to a base build; the check decides them before anything else.
            guard decision.needsBuild else { return false }
            guard let fa = facts.fa else { return nil }
            return self == .faNeedsBuild ? fa.needsBuild : fa == .inRegistry
        case .faNeedsPush:
            // Whatever run built the base (this one, or an earlier one without --push): a base in the
            // registry names wheels (its `dev.linbuild.fa.image`) that the registry must hold too.
            guard let pushed = facts.basePushed else { return nil }
            guard pushed else { return false }
            guard let copy = facts.registryCopy else { return nil }
            // The immutable tag names the inputs: a copy with other inputs under it is pushed over.
            return copy != .sameInputs
        }
    }
}

extension Step {
    /// Whether the step runs given the facts: an unconditional step always does; nil while its
    /// condition cannot be decided yet.
    public func runs(given facts: BaseFacts) -> Bool? {
        guard let condition else { return true }
        return condition.holds(given: facts)
    }
}

extension BaseDecision {
    /// One decision of each kind a base mode can lead to: what the dry-run renderer enumerates.
    public static func possible(in mode: Plan.BaseMode) -> [BaseDecision] {
        switch mode {
        case .auto: [.cachedLocally, .inRegistry, .missing, .rebuild(changed: ["an input"], foundIn: "locally")]
        case .force: [.forced]
        case .skip: [.skipped]
        }
    }
}
