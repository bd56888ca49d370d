import Foundation
import LinbuildModel
import LinbuildSupport

/// An image in the engine's local store: what the base decision needs to know of it.
public struct LocalImage: Equatable, Sendable {
    public var id: String
    public var labels: [String: String]
    /// `os/architecture[/variant]`.
    public var platform: String
}

extension EngineProbe {
    /// The local image `reference`, or nil when the store does not have it. One `image inspect`
    /// answers labels, ID and platform (docker and podman both give `Os` and `Architecture`).
    public func localImage(_ reference: String) throws -> LocalImage? {
        guard let output = try inspect(reference, format: "{{json .}}") else { return nil }
        // docker prints the object; podman 4 ignores `{{json .}}` and prints its usual array.
        let data = Data(output.utf8), decoder = JSONDecoder()
        guard
            let image = (try? decoder.decode(InspectedImage.self, from: data))
                ?? (try? decoder.decode([InspectedImage].self, from: data))?.first
        else {
            throw LinbuildError.engineUnavailable("cannot read what the engine says about \(reference)")
        }
        let platform = [image.os, image.architecture, image.variant].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "/")
        return LocalImage(id: image.id ?? "", labels: image.config?.labels ?? [:], platform: platform)
    }
}

/// The fields of `image inspect --format '{{json .}}'` the base decision reads (others are ignored).
private struct InspectedImage: Decodable {
    struct Config: Decodable {
        var labels: [String: String]?
        private enum CodingKeys: String, CodingKey { case labels = "Labels" }
    }
    var id: String?
    var os: String?
    var architecture: String?
    var variant: String?
    var config: Config?
    private enum CodingKeys: String, CodingKey {
        case id = "Id"
        case os = "Os"
        case architecture = "Architecture"
        case variant = "Variant"
        case config = "Config"
    }
}
