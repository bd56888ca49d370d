import LinbuildModel

/// What runs around a base build without being part of the plan: the preflight before it (which
/// may stop that architecture), the build-duration history after it.
public protocol BaseBuildHooks: Sendable {
    func willBuild(_ target: TargetPlan) throws
    /// `seconds` is nil when the build failed or was interrupted.
    func didBuild(_ target: TargetPlan, seconds: Double?)
}
