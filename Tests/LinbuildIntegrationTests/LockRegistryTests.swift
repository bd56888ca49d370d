import Foundation
import LinbuildModel
import LinbuildRun
import LinbuildSupport
import LinbuildTestSupport
import Testing

/// What a lock asks a registry, against a loopback registry that serves fixed documents: the
/// platform's manifest out of an index, a single manifest checked against its config's platform,
/// and the check before a base build that the locked digests are still there.
@Suite(.timeLimit(.minutes(5))) struct LockRegistryTests {
    static let amd64 = "sha256:" + String(repeating: "a", count: 64)
    static let arm64 = "sha256:" + String(repeating: "b", count: 64)
    static let index = "sha256:" + String(repeating: "1", count: 64)
    static let single = "sha256:" + String(repeating: "2", count: 64)
    static let config = "sha256:" + String(repeating: "c", count: 64)

    static func serve(_ method: String, _ path: String) -> (status: Int, headers: [String: String], body: String) {
        switch path {
        case "/v2/lib/multi/manifests/t":
            let entries = [
                (amd64, #"{"os": "linux", "architecture": "amd64"}"#), (arm64, #"{"os": "linux", "architecture": "arm64"}"#),
                (String(repeating: "d", count: 64), #"{"os": "unknown", "architecture": "unknown"}"#),
            ].map { #"{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "\#($0.0)", "size": 1, "platform": \#($0.1)}"# }
            let body =
                #"{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": ["#
                + entries.joined(separator: ", ") + "]}"
            return (200, ["Content-Type": "application/vnd.oci.image.index.v1+json", "Docker-Content-Digest": index], body)
        case "/v2/lib/single/manifests/t":
            let body = #"{"schemaVersion": 2, "config": {"digest": "\#(config)", "size": 1}, "layers": []}"#
            return (200, ["Content-Type": "application/vnd.oci.image.manifest.v1+json", "Docker-Content-Digest": single], body)
        case "/v2/lib/single/blobs/\(config)":
            return (200, ["Content-Type": "application/octet-stream"], #"{"os": "linux", "architecture": "arm64"}"#)
        case "/v2/lib/multi/manifests/\(amd64)":
            return (200, ["Docker-Content-Digest": amd64], "{}")
        case "/v2/lib/broken/manifests/\(amd64)":
            return (500, [:], "")
        default:
            return (404, [:], "")
        }
    }

    @Test func aTagIsResolvedToThePlatformsManifestAndASingleManifestToItsOwnPlatform() throws {
        let fake = try FakeRegistry(.serving(Self.serve))
        defer { fake.stop() }
        let registry = RegistryClient(timeout: 5) { _ in nil }
        let multi = try #require(ImageReference("\(fake.address)/lib/multi:t"))
        // The index's entry for the platform, and the index's own digest beside it.
        let amd64 = try registry.resolve(multi, platform: "linux/amd64")
        #expect(amd64?.digest == Self.amd64 && amd64?.tagDigest == Self.index)
        #expect(try registry.resolve(multi, platform: "linux/arm64")?.digest == Self.arm64)
        // No image for the platform: said, with what the tag has (not its attestations).
        #expect {
            try registry.resolve(multi, platform: "linux/ppc64le")
        } throws: { error in
            "\(error)".contains("has no linux/ppc64le image (it has linux/amd64, linux/arm64)")
        }
        // A single manifest is the tag's own digest, but only for the platform its config names.
        let single = try #require(ImageReference("\(fake.address)/lib/single:t"))
        let arm64 = try registry.resolve(single, platform: "linux/arm64")
        #expect(arm64?.digest == Self.single && arm64?.tagDigest == Self.single)
        #expect {
            try registry.resolve(single, platform: "linux/amd64")
        } throws: { error in
            "\(error)".contains("is a linux/arm64 image, not linux/amd64")
        }
        // An absent tag is nil, not an error.
        #expect(try registry.resolve(try #require(ImageReference("\(fake.address)/lib/gone:t")), platform: "linux/amd64") == nil)
    }

    @Test func aLockedDigestTheRegistryLostStopsTheBuildAndOneItCannotAskAboutIsReported() throws {
        let fake = try FakeRegistry(.serving(Self.serve))
        defer { fake.stop() }
        let registry = RegistryClient(timeout: 5) { _ in nil }
        let present = "\(fake.address)/lib/multi:t@\(Self.amd64)"
        let lost = "\(fake.address)/lib/gone:t@\(Self.amd64)"
        let broken = "\(fake.address)/lib/broken:t@\(Self.amd64)"
        // Present, and one the registry could not answer for: the build goes on, told which.
        let unknown = try LockedImageCheck.run(
            [(arch: "a", stage: "base", reference: present), (arch: "a", stage: "uv", reference: broken)], registry: registry,
            lockFile: "/r/presets.lock.json", timeout: 5)
        #expect(unknown.count == 1 && unknown[0].hasPrefix(broken), "\(unknown)")
        // Lost: exit 65, one line naming the image and what to do.
        do {
            _ = try LockedImageCheck.run(
                [(arch: "a", stage: "base", reference: present), (arch: "a", stage: "builder", reference: lost)], registry: registry,
                lockFile: "/r/presets.lock.json", timeout: 5)
            Issue.record("a lost digest passed the check")
        } catch let error as LinbuildError {
            #expect(error.exitCode == .dataError)
            #expect(error.description.contains("stage 'builder' of a to \(lost), which its registry no longer has"), "\(error)")
            #expect(error.description.contains("linbuild lock --update --arch a"))
        }
    }
}
