/// Checks that a Dockerfile and the plan agree (stages, build arguments). Filled in by the
/// `linbuild check` work; for now the stages the plan targets must exist.
public enum ContractCheck {
    public static func verify(dockerfile: Dockerfile, presets: Presets, architectures: [Presets.Architecture]) throws {
        for stage in [DockerfileContract.baseStage, DockerfileContract.runtimeStage] where dockerfile.stage(named: stage) == nil {
            throw LinbuildError.contract("\(dockerfile.path):1: no stage named '\(stage)' (add 'FROM … AS \(stage)')")
        }
    }
}
