import LinbuildModel

/// What runs around a base build without being part of the plan: the preflight before it (which
/// may stop that architecture), the build-duration history after it; the same around the Flash
/// Attention wheels' compile.
public protocol BaseBuildHooks: Sendable {
    /// Before the Flash Attention wheels are compiled, which is then the long part of a base build.
    func willCompileWheels(_ target: TargetPlan) throws
    /// `seconds` is nil when the compile failed or was interrupted.
    func didCompileWheels(_ target: TargetPlan, seconds: Double?)
    func willBuild(_ target: TargetPlan) throws
    /// `seconds` is nil when the build failed or was interrupted.
    func didBuild(_ target: TargetPlan, seconds: Double?)
}

extension BaseBuildHooks {
    public func willCompileWheels(_ target: TargetPlan) throws {}
    public func didCompileWheels(_ target: TargetPlan, seconds: Double?) {}
}
