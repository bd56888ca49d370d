/// The outcome of one check.
public struct ValidationResult: Equatable, Sendable, Codable {
    public enum Status: String, Sendable, Codable { case pass, fail, skipped }
    public var name: String
    public var status: Status
    public var detail: String
}

/// Runs the presets' checks inside an image, each in its own throwaway container:
/// `ENGINE run --rm [--gpus SPEC] IMAGE COMMAND…`, an argument vector like every other command.
public struct Validator: Sendable {
    public var engine: EngineCLI
    public var runner: ProcessRunning
    public var gpus: String?
    /// A check that hangs (a driver problem, say) fails instead of stalling the run.
    public var timeout: Double

    public init(engine: EngineCLI, runner: ProcessRunning, gpus: String?, timeout: Double = 300) {
        self.engine = engine
        self.runner = runner
        self.gpus = gpus
        self.timeout = timeout
    }

    public func command(for check: ValidationCheck, image: String) -> Command {
        engine.command(["run", "--rm"] + (gpus.map { ["--gpus", $0] } ?? []) + [image] + check.command)
    }

    public func run(_ checks: [ValidationCheck], image: String, architecture: Presets.Architecture) throws -> [ValidationResult] {
        try checks.map { check in
            if check.needsGPU && gpus == nil {
                return ValidationResult(name: check.name, status: .skipped, detail: "skipped: no GPU (pass --gpus all on a GPU machine)")
            }
            let output: CapturedOutput
            do {
                output = try runner.capture(command(for: check, image: image), timeout: timeout, limit: 64 * 1024)
            } catch let failure as LaunchFailure {
                throw LinbuildError.engineUnavailable("\(failure) (install docker or podman, or pass --engine PATH)")
            }
            if let signal = ChildProcesses.shared.receivedSignal { throw LinbuildError.interrupted(signal: signal) }
            let lastLine = output.stdoutText.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
            guard output.termination.succeeded else {
                let why = output.stderrSummary.isEmpty ? "\(output.termination)" : output.stderrSummary
                return ValidationResult(name: check.name, status: .fail, detail: why)
            }
            if let expected = check.expected(for: architecture), lastLine != expected {
                return ValidationResult(name: check.name, status: .fail, detail: "expected \(expected), got \(lastLine.isEmpty ? "nothing" : lastLine)")
            }
            return ValidationResult(name: check.name, status: .pass, detail: lastLine)
        }
    }
}
