/// The process exit codes linbuild promises (sysexits, plus the shell's signal convention).
public enum ExitCode: Int32, Sendable, Codable, CaseIterable {
    case success = 0
    /// A build or push failed.
    case failure = 1
    /// `linbuild outdated`: an upstream drifted (as `terraform plan -detailed-exitcode` says 2 for changes).
    case drifted = 2
    case usage = 64
    /// Presets or Dockerfile break their contract.
    case dataError = 65
    /// A file or repository (or a ref in it) is missing.
    case noInput = 66
    /// The engine or the registry cannot be reached.
    case unavailable = 69
    case interrupted = 130
    case terminated = 143
}
