import Foundation
import LinbuildModel
import LinbuildProcess
import LinbuildSupport

/// One input of one architecture, and what its upstream said.
public struct PreflightResult: Equatable, Sendable {
    public enum Answer: Equatable, Sendable {
        case present(String)
        /// Why, with the nearest versions the upstream does have.
        case absent(String)
        /// Could not be asked (offline, 401, 5xx, timeout, malformed answer): never read as absent.
        case unknown(String)

        public var word: String {
            switch self {
            case .present: "present"
            case .absent: "absent"
            case .unknown: "unknown"
            }
        }
    }

    public var arch: String
    /// `torch 2.7.1+cu126`, `CUDA image nvidia/cuda:12.8.0-cudnn-devel-ubuntu22.04`.
    public var input: String
    public var answer: Answer

    /// The line printed for it.
    public var line: String {
        let detail: String =
            switch answer {
            case .present(let text), .absent(let text), .unknown(let text): text
            }
        return "preflight [\(arch)] \(answer.word.padding(8))\(input)" + (detail.isEmpty ? "" : ": \(detail)")
    }
}

/// Asks every upstream a base build depends on whether its input exists, all at once, each
/// question bounded by the probe timeout. The same question (an image, an index page, a git
/// remote) is asked once for every architecture that needs it.
public struct Preflight: Sendable {
    public var targets: PreflightTargets
    public var registry: RegistryChecking
    public var index: PackageIndexClient
    public var runner: ProcessRunning
    public var timeout: Double

    public init(targets: PreflightTargets, registry: RegistryChecking, index: PackageIndexClient, runner: ProcessRunning, timeout: Double) {
        self.targets = targets
        self.registry = registry
        self.index = index
        self.runner = runner
        self.timeout = timeout
    }

    /// One question to an upstream, asked once however many architectures need its answer.
    enum Question: Hashable, Sendable {
        /// Does the registry have this image (a manifest `HEAD`)?
        case image(String)
        /// Which files does this index page list?
        case page(index: String, project: String)
        /// Does this git remote have this commit?
        case commit(url: String, sha: String)
    }

    /// What an upstream answered, of the kind the question asked for.
    enum Answer: Sendable {
        case image(RegistryAnswer)
        case page(IndexAnswer)
        case commit(PreflightResult.Answer)
    }

    /// Every answer, in the order of the architectures and their inputs.
    public func run() -> [PreflightResult] {
        let started = Date()
        var questions: Set<Question> = []
        for architecture in targets.architectures {
            questions.formUnion(architecture.images.map { .image($0.reference) })
            questions.formUnion(architecture.packages.map { .page(index: $0.index, project: $0.project) })
            questions.formUnion(architecture.gitRefs.map { .commit(url: $0.url, sha: $0.commit) })
        }
        var answers = ask(questions, deadline: started.addingTimeInterval(timeout + 0.5))

        // Second round, only for a missing torch: the other channel's page, to name what it has.
        var followUps: Set<Question> = []
        for architecture in targets.architectures {
            for package in architecture.packages {
                guard let alternative = package.alternative,
                    case .page(.files(let names))? = answers[.page(index: package.index, project: package.project)],
                    !missingVersions(package, in: names).isEmpty
                else { continue }
                followUps.insert(.page(index: alternative.index, project: package.project))
            }
        }
        if !followUps.isEmpty {
            let remaining = max(1, timeout - Date().timeIntervalSince(started))
            answers.merge(ask(followUps, deadline: Date().addingTimeInterval(remaining))) { $1 }
        }

        var results: [PreflightResult] = []
        for architecture in targets.architectures {
            let arch = architecture.name
            for image in architecture.images {
                let answer: RegistryAnswer
                if case .image(let found)? = answers[.image(image.reference)] { answer = found } else { answer = .unknown(noAnswer) }
                let input = "\(image.role) \(image.reference)"
                switch answer {
                case .present(let digest):
                    results.append(.init(arch: arch, input: input, answer: .present(digest.map { String($0.prefix(19)) } ?? "")))
                case .absent:
                    results.append(
                        .init(arch: arch, input: input, answer: .absent("\(image.reference) is not in its registry (check the tag)")))
                case .unknown(let why): results.append(.init(arch: arch, input: input, answer: .unknown(why)))
                }
            }
            for package in architecture.packages {
                func page(_ index: String) -> IndexAnswer? {
                    if case .page(let page)? = answers[.page(index: index, project: package.project)] { page } else { nil }
                }
                let alternative = package.alternative.flatMap { page($0.index) }
                results.append(judge(package, page: page(package.index) ?? .unknown(noAnswer), alternative: alternative, arch: arch))
            }
            for ref in architecture.gitRefs {
                let answer: PreflightResult.Answer
                if case .commit(let found)? = answers[.commit(url: ref.url, sha: ref.commit)] {
                    answer = found
                } else {
                    answer = .unknown(noAnswer)
                }
                results.append(.init(arch: arch, input: "\(ref.project) \(ref.commit.prefix(12))", answer: answer))
            }
        }
        return results
    }

    /// The question put to its upstream.
    private func answer(_ question: Question) -> Answer {
        switch question {
        case .image(let reference):
            guard let parsed = ImageReference(reference) else { return .image(.unknown("not an image reference")) }
            return .image(registry.manifest(of: parsed))
        case .page(let index, let project):
            return .page(self.index.files(of: project, at: index))
        case .commit(let url, let sha):
            return .commit(GitRemoteCheck.commit(sha, in: url, runner: runner, timeout: timeout))
        }
    }

    /// Asks each question on its own thread; a question still unanswered at the deadline is left
    /// out (its caller reports it unknown), so a hung upstream costs at most the timeout.
    private func ask(_ questions: Set<Question>, deadline: Date) -> [Question: Answer] {
        let box = AnswerBox()
        let group = DispatchGroup()
        for question in questions {
            group.enter()
            Thread { [self] in
                box.set(question, answer(question))
                group.leave()
            }.start()
        }
        _ = group.wait(timeout: .now() + max(0, deadline.timeIntervalSinceNow))
        return box.all
    }

    private var noAnswer: String { "no answer within \(Int(timeout)) s" }

    private var wheelTarget: String { "Python \(targets.python) on \(targets.platform)" }

    private func fitting(_ package: PreflightTargets.Package, _ names: [String]) -> [DistributionFile] {
        names.compactMap(DistributionFile.init(filename:)).filter {
            DistributionFile.normalise($0.project) == DistributionFile.normalise(package.project)
                && (!package.needsWheel || $0.isWheel) && $0.fits(python: targets.python, platform: targets.platform)
        }
    }

    private func missingVersions(_ package: PreflightTargets.Package, in names: [String]) -> [String] {
        let have = Set(fitting(package, names).map(\.version))
        return package.versions.filter { !have.contains($0) }
    }

    func judge(_ package: PreflightTargets.Package, page: IndexAnswer, alternative: IndexAnswer?, arch: String) -> PreflightResult {
        let input = package.project + (package.versions.isEmpty ? "" : " " + package.versions.joined(separator: ", "))
        switch page {
        case .unknown(let why):
            return .init(arch: arch, input: input, answer: .unknown(why))
        case .noProject:
            return .init(
                arch: arch, input: input,
                answer: .absent("\(package.index) has no project \(package.project) (check the index URL and the CUDA suffix)"))
        case .files(let names):
            let files = fitting(package, names)
            let kind = package.needsWheel ? "wheel" : "file"
            if package.versions.isEmpty {
                guard let newest = files.compactMap({ PackageVersion($0.version) }).max() else {
                    return .init(
                        arch: arch, input: input, answer: .absent("\(package.index) has no \(package.project) \(kind) for \(wheelTarget)"))
                }
                return .init(arch: arch, input: input, answer: .present("newest for \(wheelTarget): \(newest)"))
            }
            let missing = missingVersions(package, in: names)
            guard let wanted = missing.first else {
                return .init(
                    arch: arch, input: input, answer: .present(package.needsWheel ? "wheel for \(wheelTarget)" : "on \(package.index)"))
            }
            var message = "\(package.project) \(wanted) is not on \(package.index)" + (package.needsWheel ? " for \(wheelTarget)" : "")
            let nearest = PackageVersion.nearest(to: wanted, among: files.map(\.version))
            message +=
                nearest.isEmpty
                ? "; it has no \(kind) of \(package.project) for that at all" : "; it has \(nearest.joined(separator: ", "))"
            if let alternativeIndex = package.alternative, case .files(let otherNames)? = alternative {
                let other = fitting(package, otherNames).map(\.version)
                if other.contains(wanted) {
                    message += "; \(alternativeIndex.label) has \(wanted)"
                } else if let near = PackageVersion.nearest(to: wanted, among: other, limit: 2).first {
                    message += "; \(alternativeIndex.label) has \(near)"
                }
            }
            return .init(arch: arch, input: input, answer: .absent(message))
        }
    }
}

private final class AnswerBox: @unchecked Sendable {
    private let lock = NSLock()
    private var answers: [Preflight.Question: Preflight.Answer] = [:]
    func set(_ question: Preflight.Question, _ answer: Preflight.Answer) { lock.withLock { answers[question] = answer } }
    var all: [Preflight.Question: Preflight.Answer] { lock.withLock { answers } }
}

extension Preflight {
    /// The error for the absent inputs (exit 65), or nil when none is absent.
    public static func failure(_ results: [PreflightResult]) -> LinbuildError? {
        let absent = results.filter { if case .absent = $0.answer { true } else { false } }
        guard let first = absent.first, case .absent(let why) = first.answer else { return nil }
        let more = absent.count > 1 ? "; \(absent.count - 1) more input\(absent.count == 2 ? " is" : "s are") absent (listed above)" : ""
        return .upstreamMissing("[\(first.arch)] \(why)\(more) (fix presets, or pass --no-preflight to build anyway)")
    }

    /// Throws for an absent input (exit 65); warns once for the inputs that could not be checked.
    public static func conclude(_ results: [PreflightResult], console: Console) throws {
        if let failure = failure(results) { throw failure }
        let unknown = results.filter { if case .unknown = $0.answer { true } else { false } }
        if !unknown.isEmpty {
            console.warning(
                "preflight could not check \(unknown.count) input\(unknown.count == 1 ? "" : "s") (see the unknown lines); going on, as the registry or index may be private"
            )
        }
    }
}
