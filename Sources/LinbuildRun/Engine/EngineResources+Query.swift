import LinbuildModel
import LinbuildProcess

extension EngineResources {
    /// Asks the engine, bounded by `timeout`; the error says why it could not.
    public static func query(engine: EngineCLI, runner: ProcessRunning, timeout: Double) -> Result<EngineResources, JobSizingError> {
        do {
            let output = try runner.capture(engine.command(["info", "--format", "{{json .}}"]), timeout: timeout, limit: 1 << 20)
            guard output.termination.succeeded else {
                return .failure(
                    JobSizingError(
                        output.termination == .timedOut ? "the engine did not answer within \(Int(timeout)) s" : output.stderrSummary))
            }
            guard let resources = parse(info: output.stdoutText) else {
                return .failure(JobSizingError("docker info has no CPU and memory figures"))
            }
            return .success(resources)
        } catch {
            return .failure(JobSizingError("\(error)"))
        }
    }
}
