import LinbuildModel

extension DriftSurvey {
    /// Asks every round of the survey, each question bounded by `timeout`, all of a round at once,
    /// and judges the answers. Tags are asked with `HEAD` (Docker Hub does not count it as a pull);
    /// an index is read only when the tag's digest changed.
    public func ask(registry: RegistryClient, index: PackageIndexClient, timeout: Double) -> DriftReport {
        var survey = self
        let platform = targets.platform
        survey.read(
            bases: Concurrently.answers(bases, timeout: timeout) { reference -> BaseAnswer in
                guard let parsed = ImageReference(reference) else { return .failed("not an image reference") }
                do {
                    return try registry.image(of: parsed, platform: platform).map { .labels($0.labels) } ?? .absent
                } catch {
                    return .failed("\(error)")
                }
            })
        let heads = Concurrently.answers(survey.heads, timeout: timeout) { Self.state(of: $0, in: registry) }
        let pages = UpstreamAnswers.ask(survey.pages, platform: platform, registry: registry, index: index, timeout: timeout).pages
        let moved = survey.moved(heads: heads)
        let resolved = UpstreamAnswers.ask(moved.resolve, platform: platform, registry: registry, index: index, timeout: timeout).images
        let stillThere = Concurrently.answers(moved.pinnedDigests, timeout: timeout) { Self.state(of: $0, in: registry) }
        return survey.report(heads: heads, pages: pages, resolved: resolved, pinnedDigests: stillThere, timeout: timeout)
    }

    static func state(of reference: String, in registry: RegistryClient) -> TagState {
        guard let parsed = ImageReference(reference) else { return .unknown("not an image reference") }
        switch registry.manifest(of: parsed) {
        case .present(let digest): return .present(digest)
        case .absent: return .absent
        case .unknown(let why): return .unknown(why)
        }
    }
}
