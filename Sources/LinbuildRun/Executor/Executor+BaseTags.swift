import Foundation
import LinbuildModel
import LinbuildSupport

/// The base's tags: each names the image ID this run built or found (`$LINBUILD_BASE_ID` in the
/// plan's commands), never whatever a tag points to by the time it is used.
extension Executor {
    /// Once the base is in hand: the plan's tags (the immutable one, and the readable one when the
    /// plan moves it).
    func tagBase(_ step: Step, probe: EngineProbe, state: ArchState) throws {
        guard let id = state.baseID, let target = target(of: step) else { return }
        try tag(step, id: id, probe: probe)
        if !plan.movesBaseTag {
            console.info(
                "base [\(target.arch)]: \(target.baseImage) is left as it is (only the presets' default branch, or --move-base-tag, moves it); this run uses \(target.baseImmutableImage)"
            )
        }
    }

    /// Just before a push of the base under the step's tag, when the registry needs it there: that
    /// tag again, on this run's base.
    func tagBaseForPush(_ step: Step, probe: EngineProbe, state: inout ArchState, started: Date) throws {
        state.basePush = state.basePush ?? BasePushProgress(started: started)
        try lookUpRegistry(for: step, state: &state)
        guard try decided(step, state.facts(for: step)), let target = target(of: step) else { return }
        // The base the runtime was built on: the run's own ID, or what the local store has under
        // the tag the runtime was built FROM.
        guard let id = state.baseID ?? target.runtimeArguments[DockerfileContract.baseImageArgument].flatMap(probe.imageID(of:)) else {
            throw LinbuildError.pushFailed(
                "no local base to push for \(target.arch) (\(target.baseImmutableImage) is not in the local store); nothing after it was pushed"
            )
        }
        try tag(step, id: id, probe: probe)
    }

    /// Runs the step's tag commands with `id` as the base's image ID.
    private func tag(_ step: Step, id: String, probe: EngineProbe) throws {
        for planned in step.commands {
            guard let command = planned.filling([Step.RunValue.baseImageID: id]) else {
                throw InternalError("\(step.title) holds a value the run does not supply: \(planned.shellLine)")
            }
            console.detail(command.shellLine)
            let output = try runner.capture(command, timeout: probe.timeout)
            guard output.termination.succeeded else {
                throw LinbuildError.engineUnavailable(
                    "cannot tag \(id) as \(command.arguments.last ?? ""): \(output.stderrSummary) (is the engine running?)")
            }
        }
    }
}
