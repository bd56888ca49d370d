import Foundation
import LinbuildModel
import LinbuildSupport

/// The tags of a registry's repositories with the digest each points to and its image's labels:
/// what `RetentionPolicy` decides on. Repositories that a label of a listed image names (a base a
/// runtime was built on, what a base was built from) are listed too, when they are in the same
/// registry and namespace, so prune sees every image a kept one depends on.
public struct RegistryInventory: Sendable {
    public var registry: RegistryClient
    /// How many tags are read at once.
    public var width = 8

    public init(registry: RegistryClient) { self.registry = registry }

    /// `repositories`: `[host/]namespace/name`. Throws when a registry cannot be asked.
    public func tags(of repositories: [String]) throws -> [RetentionPolicy.Tag] {
        var listed: Set<String> = []
        var pending = repositories
        var result: [RetentionPolicy.Tag] = []
        while let repository = pending.first {
            pending.removeFirst()
            guard listed.insert(repository).inserted, let parsed = ImageReference(repository + ":latest") else { continue }
            let names = try registry.tags(of: parsed)
            let found = try details(names.map { repository + ":" + $0 })
            result += found
            // Repositories that the labels name, under the same registry and namespace.
            let prefix = String(repository[..<(repository.lastIndex(of: "/") ?? repository.startIndex)])
            for tag in found {
                for label in RetentionPolicy.linkLabels {
                    guard let named = tag.labels[label], let colon = named.lastIndex(of: ":") else { continue }
                    let other = String(named[..<colon])
                    if other.hasPrefix(prefix + "/"), !other.dropFirst(prefix.count + 1).contains("/"), !listed.contains(other) {
                        pending.append(other)
                    }
                }
            }
        }
        return result
    }

    /// The details of each tag, `width` at a time (each request is bounded by the client's
    /// timeout), in the order given; a tag deleted meanwhile is left out.
    private func details(_ references: [String]) throws -> [RetentionPolicy.Tag] {
        var found: [String: Result<RegistryTag?, Error>] = [:]
        for start in stride(from: 0, to: references.count, by: width) {
            let chunk = Array(references[start..<min(start + width, references.count)])
            let answers = Concurrently.answers(Set(chunk), timeout: 3600) { reference -> Result<RegistryTag?, RegistryError> in
                guard let parsed = ImageReference(reference) else { return .failure(RegistryError("\(reference) is not a reference")) }
                do { return .success(try registry.tagDetails(parsed)) } catch let error as RegistryError { return .failure(error) } catch {
                    return .failure(RegistryError("\(error)"))
                }
            }
            for (reference, answer) in answers { found[reference] = answer.mapError { $0 as Error } }
        }
        return try references.compactMap { reference in
            guard let answer = found[reference] else { throw RegistryError("no answer for \(reference)") }
            guard let tag = try answer.get() else { return nil }
            let colon = reference.lastIndex(of: ":")!
            return RetentionPolicy.Tag(
                repository: String(reference[..<colon]), tag: tag.tag, digest: tag.digest, labels: tag.labels)
        }
    }
}
