import LinbuildSupport

/// The Flash Attention wheels artifact's inputs: `BaseInputs` of the stage `fa-wheels` (scope `fa`),
/// so exactly what that stage's closure sees: the arguments its stages declare (not `OS_PACKAGES`,
/// which only the base's own stage declares; not `MAX_JOBS`, `NVCC_THREADS` or the locations,
/// `BuildArguments.notBaseInputs`), its normal form, and the lock's pins of its stages and wheels.
public enum FlashAttentionInputs {
    /// Nil when the Dockerfile has no `fa-wheels` stage (then there is no artifact).
    /// `arguments` are the base's (with the defaulted choices), `values` what the build passes,
    /// `pins` the base's pins (`LockPins.inputs`), of which only those of the closure count.
    public static func make(
        dockerfile: Dockerfile, arguments: BuildArguments, passing values: [String: String], platform: String, pins: [String: String]
    ) -> BaseInputs? {
        let stage = DockerfileContract.flashAttentionStage
        guard dockerfile.stage(named: stage) != nil else { return nil }
        let declared = dockerfile.argumentsUsed(by: stage, passing: values)
        let stages = Set(dockerfile.closure(of: stage, passing: values).compactMap(\.name))
        let seen = pins.filter { key, _ in
            if key.hasPrefix("image.") { return stages.contains(String(key.dropFirst("image.".count))) }
            if key.hasPrefix("wheel.") { return declared.contains(LockTargets.hashArgument(of: String(key.dropFirst("wheel.".count)))) }
            return true
        }
        return BaseInputs(
            arguments: arguments, declared: declared, platform: platform,
            normalForm: dockerfile.normalForm(of: stage, passedArguments: Set(values.keys), values: values), legacyText: "", pins: seen,
            scope: BaseInputs.flashAttentionScope)
    }
}
