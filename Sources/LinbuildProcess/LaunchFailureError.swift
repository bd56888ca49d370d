import LinbuildSupport

extension LaunchFailure {
    /// The one error for a program that cannot start at all (not installed, not executable):
    /// exit 69 like any other tool linbuild needs and cannot use, with what to do.
    public func error(fix: String) -> LinbuildError {
        .cannotRun(program: executable, reason: reason, fix: fix)
    }

    /// An engine CLI (docker, podman) that cannot start.
    public var engineError: LinbuildError { error(fix: "install docker or podman, or pass --engine PATH") }
}
