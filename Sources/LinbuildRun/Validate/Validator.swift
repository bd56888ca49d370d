import Foundation
import LinbuildModel
import LinbuildProcess
import LinbuildSupport

/// Runs the presets' checks inside an image, each in its own throwaway container:
/// `ENGINE run --rm --name NAME [--gpus SPEC] IMAGE COMMAND…`, an argument vector like every
/// other command. The container is named so that one whose check timed out can be removed: killing
/// the client alone would leave it running.
public struct Validator: Sendable {
    public var engine: EngineCLI
    public var runner: ProcessRunning
    public var gpus: String?
    /// A check that hangs (a driver problem, say) fails instead of stalling the run.
    public var timeout: Double
    /// Containers are named `PREFIX-1`, `PREFIX-2`, … in check order.
    public var namePrefix: String
    /// Where a Ctrl-C is learnt: the checks stop after the one it interrupted.
    public var interrupts: InterruptSource = ChildProcesses.shared

    public init(
        engine: EngineCLI, runner: ProcessRunning, gpus: String?, timeout: Double = 300,
        namePrefix: String = Validator.uniquePrefix()
    ) {
        self.engine = engine
        self.runner = runner
        self.gpus = gpus
        self.timeout = timeout
        self.namePrefix = namePrefix
    }

    /// Unique per run, so two validations at once never share a container name.
    public static func uniquePrefix() -> String {
        "linbuild-validate-\(ProcessInfo.processInfo.processIdentifier)-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
    }

    /// The container of the check numbered `number` (from 1).
    func containerName(_ number: Int) -> String { "\(namePrefix)-\(number)" }

    public func command(for check: ValidationCheck, image: String, number: Int) -> Command {
        engine.command(["run", "--rm", "--name", containerName(number)] + (gpus.map { ["--gpus", $0] } ?? []) + [image] + check.command)
    }

    public func run(_ checks: [ValidationCheck], image: String, architecture: Presets.Architecture) throws -> [ValidationResult] {
        try checks.enumerated().map { index, check in
            if check.needsGPU && gpus == nil {
                return ValidationResult(name: check.name, status: .skipped, detail: "skipped: no GPU (pass --gpus all on a GPU machine)")
            }
            let command = self.command(for: check, image: image, number: index + 1)
            let output: CapturedOutput
            do {
                output = try runner.capture(command, timeout: timeout, limit: 64 * 1024)
            } catch let failure as LaunchFailure {
                throw failure.engineError
            }
            if let signal = interrupts.receivedSignal { throw LinbuildError.interrupted(signal: signal) }
            return judge(check, output: output, architecture: architecture, container: containerName(index + 1))
        }
    }

    private func judge(_ check: ValidationCheck, output: CapturedOutput, architecture: Presets.Architecture, container: String)
        -> ValidationResult
    {
        let lastLine = output.stdoutText.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
        switch output.termination {
        case .timedOut:
            _ = try? runner.capture(engine.command(["rm", "--force", container]), timeout: 30, limit: 4096)
            return ValidationResult(
                name: check.name, status: .fail, detail: "timed out after \(Int(timeout)) s; container \(container) removed")
        case .exited(0):
            break
        default:
            let why = output.stderrSummary.isEmpty ? "\(output.termination)" : output.stderrSummary
            return ValidationResult(name: check.name, status: .fail, detail: why)
        }
        if let expected = check.expected(for: architecture), lastLine != expected {
            return ValidationResult(
                name: check.name, status: .fail, detail: "expected \(expected), got \(lastLine.isEmpty ? "nothing" : lastLine)")
        }
        return ValidationResult(name: check.name, status: .pass, detail: lastLine)
    }
}
