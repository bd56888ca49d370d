import Foundation
import LinbuildModel
import LinbuildSupport

/// Asks the upstreams a lock (or a drift report) needs, all at once, each question bounded by the
/// timeout: what a tag names for the platform (`RegistryClient.resolve`), and which files, with
/// their hashes, an index page lists. A question still unanswered at the deadline is unknown.
public struct UpstreamAnswers: Sendable {
    public var images: [String: LockUpdate.ImageAnswer] = [:]
    public var pages: [LockUpdate.Question: LockUpdate.PageAnswer] = [:]

    public static func ask(
        _ questions: Set<LockUpdate.Question>, platform: String, registry: RegistryClient, index: PackageIndexClient, timeout: Double
    ) -> UpstreamAnswers {
        enum Answer: Sendable {
            case image(LockUpdate.ImageAnswer)
            case page(LockUpdate.PageAnswer)
        }
        let found = Concurrently.answers(questions, timeout: timeout) { question -> Answer in
            switch question {
            case .image(let reference): .image(image(reference, platform: platform, registry: registry))
            case .page(let root, let project): .page(page(index.page(of: project, at: root)))
            }
        }
        var answers = UpstreamAnswers()
        let silent = "no answer within \(Int(timeout)) s"
        for question in questions {
            switch (question, found[question]) {
            case (.image(let reference), .image(let answer)?): answers.images[reference] = answer
            case (.image(let reference), _): answers.images[reference] = .unknown(silent)
            case (.page, .page(let answer)?): answers.pages[question] = answer
            case (.page, _): answers.pages[question] = .unknown(silent)
            }
        }
        return answers
    }

    static func image(_ reference: String, platform: String, registry: RegistryClient) -> LockUpdate.ImageAnswer {
        guard let parsed = ImageReference(reference) else { return .unknown("not an image reference") }
        do {
            return try registry.resolve(parsed, platform: platform).map { .digest($0.digest, tag: $0.tagDigest) } ?? .absent
        } catch {
            return .unknown("\(error)")
        }
    }

    static func page(_ page: IndexPage) -> LockUpdate.PageAnswer {
        switch page {
        case .files(let files): .files(files.map { (name: $0.name, sha256: $0.sha256) })
        case .noProject: .noProject
        case .unknown(let why): .unknown(why)
        }
    }
}
