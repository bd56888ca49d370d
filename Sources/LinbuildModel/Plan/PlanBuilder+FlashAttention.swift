import LinbuildSupport

/// The Flash Attention wheels of one architecture: an artifact of their own, keyed by what their
/// compile sees, when the Dockerfile has the stage and the architecture gets Flash Attention.
struct WheelsPlan {
    /// The `fa-wheels` stage's inputs; nil when the Dockerfile has no such stage.
    var inputs: BaseInputs?
    /// Nil also when the architecture gets no Flash Attention.
    var tag: FlashAttentionImageTag?
    /// The artifact this run looks up, builds, pulls and pushes; nil under `--skip-base`, which
    /// uses the base as it is and reads the wheels it names at run time.
    var image: String?
    /// The wheels' own build: the base's arguments, naming the in-file stage explicitly.
    var buildArguments: BuildArguments
    /// What the base build is passed as `FA_WHEELS`: the artifact, or the in-file stage.
    var baseArguments: [(name: String, value: String)] {
        inputs == nil ? [] : [(DockerfileContract.flashAttentionArgument, image ?? DockerfileContract.flashAttentionStage)]
    }
}

extension PlanBuilder {
    /// `arguments`: the base's, with the defaulted choices (what the inputs record); `pulled`: what
    /// the builds are passed (with a lock's pins).
    func wheelsPlan(
        for architecture: Presets.Architecture, repository: ImageRepository, arguments: BuildArguments, pulled: BuildArguments,
        ownImages: [(name: String, value: String)], pins: LockPins?, platform: String
    ) -> WheelsPlan {
        let buildArguments = BuildArguments(
            pulled.pairs + ownImages + [(DockerfileContract.flashAttentionArgument, DockerfileContract.flashAttentionStage)])
        let inputs = FlashAttentionInputs.make(
            dockerfile: dockerfile, arguments: arguments, passing: buildArguments.values, platform: platform, pins: pins?.inputs ?? [:])
        let tag =
            inputs == nil || architecture.flashAttention.isEmpty
            ? nil
            : FlashAttentionImageTag(
                repository: repository, baseImage: presets.defaults.baseImage, architecture: architecture, platform: platform)
        let image = options.skipBase ? nil : inputs.flatMap { tag?.reference(inputs: $0) }
        return WheelsPlan(inputs: inputs, tag: tag, image: image, buildArguments: buildArguments)
    }

    /// Looked up only when the base is to be built: the wheels' own check, compile or pull, before
    /// the base's build.
    func wheelsBuildSteps(of wheels: WheelsPlan, arch: String, secrets: [BuildSecret], platform: String, context: String) -> [Step] {
        guard let image = wheels.image, let inputs = wheels.inputs else { return [] }
        var labels = provenance(title: FlashAttentionImageTag.imageName(presets.defaults.baseImage), version: image, arch: arch)
        labels.merge(inputs.labels) { $1 }
        let compile = build(
            target: DockerfileContract.flashAttentionStage, arguments: wheels.buildArguments, secrets: secrets, labels: labels,
            tag: image, platform: platform, context: context, fresh: options.noCache, pull: options.pull)
        return [
            Step(kind: .checkFA, arch: arch, commands: [], condition: .baseNeedsBuild, image: image),
            Step(kind: .buildFA, arch: arch, commands: [compile], condition: .faNeedsBuild, image: image),
            Step(kind: .pullFA, arch: arch, commands: [engine.pull(image, platform: platform)], condition: .faOnlyInRegistry, image: image),
        ]
    }

    /// The wheels go first: a base in the registry always has its wheels there.
    func wheelsPushStep(of wheels: WheelsPlan, arch: String, base: BaseImageTag) -> Step? {
        if let image = wheels.image {
            return Step(kind: .pushFA, arch: arch, commands: [engine.push(image)], condition: .faNeedsPush, image: image)
        }
        // --skip-base pushes the base as it is: the wheels it names are those of its
        // `dev.linbuild.fa.image` label, read at run time, which must be a tag of this run's
        // wheels repository (`faRepository`): no other registry gets pushed to.
        guard options.skipBase, wheels.tag != nil else { return nil }
        var push = engine.push(base.reference)
        push.arguments[push.arguments.count - 1] = Command.runValue(Step.RunValue.wheelsImage)
        push.runValues = [Step.RunValue.wheelsImage]
        return Step(kind: .pushFA, arch: arch, commands: [push], condition: .faNeedsPush, image: nil)
    }
}
