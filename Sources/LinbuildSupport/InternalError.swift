/// A state the plan rules out, so a bug in linbuild rather than in what the user gave. It exits 1
/// like any failed run (linbuild's exit codes, docs/reference.md, have no EX_SOFTWARE 70), never 64, which would tell
/// the user to fix a command line that was fine.
public struct InternalError: Error, Equatable, Sendable, CustomStringConvertible {
    public var detail: String

    public init(_ detail: String) { self.detail = detail }

    public var description: String { "internal error: \(detail) (a bug in linbuild: please report it with the command you ran)" }
}
