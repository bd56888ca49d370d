import Foundation
import LinbuildSupport

/// The lock file: JSON a person reviews in a pull request, members sorted so that a re-lock that
/// changed one digest is a one-line diff. Read strictly, like presets: an unknown field, a wrong
/// type or a malformed digest is one line naming the file and the entry (exit 65).
extension UpstreamLock {
    /// Nil when the file does not exist (a build without a lock, as before).
    public static func load(path: String) throws -> UpstreamLock? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LinbuildError.missingFile(path, what: "lock file (it cannot be read)")
        }
        return try parse(Array(data), file: path)
    }

    public static func parse(_ bytes: [UInt8], file: String) throws -> UpstreamLock {
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            throw LinbuildError.invalidPresets(
                file: file, entry: "line \(error.line)", problem: "\(error.message) (not valid JSON; run linbuild lock to write it anew)")
        }
        let reader = ObjectReader(file: file)
        let root = try reader.object(document, at: "(top level)")
        try reader.allowOnly(["lockVersion", "architectures"], in: root, at: "(top level)")
        let version = try reader.integer(reader.required("lockVersion", in: root, at: "(top level)"), at: "lockVersion", in: 1...Int.max)
        try reader.check(version == Self.version, at: "lockVersion", "is \(version); this linbuild reads version \(Self.version)")
        var lock = UpstreamLock()
        for (arch, platforms) in try reader.object(reader.required("architectures", in: root, at: "(top level)"), at: "architectures") {
            let archPath = "architectures.\(arch)"
            for (platform, value) in try reader.object(platforms, at: archPath) {
                let path = "\(archPath).\(platform)"
                try reader.check(Platform.isValid(platform), at: path, "is not a platform (os/arch, e.g. linux/amd64)")
                let members = try reader.object(value, at: path)
                try reader.allowOnly(["images", "wheels"], in: members, at: path)
                var pins = Pins()
                if let images = members.first(where: { $0.key == "images" })?.value {
                    for (stage, entry) in try reader.object(images, at: "\(path).images") {
                        pins.images[stage] = try image(entry, at: "\(path).images.\(stage)", reader: reader)
                    }
                }
                if let wheels = members.first(where: { $0.key == "wheels" })?.value {
                    for (project, entry) in try reader.object(wheels, at: "\(path).wheels") {
                        pins.wheels[project] = try wheel(entry, at: "\(path).wheels.\(project)", reader: reader)
                    }
                }
                lock.architectures[arch, default: [:]][platform] = pins
            }
        }
        return lock
    }

    private static func image(_ value: JSONValue, at path: String, reader: ObjectReader) throws -> Image {
        let members = try reader.object(value, at: path)
        try reader.allowOnly(["image", "digest", "tagDigest"], in: members, at: path)
        let image = try reader.string(reader.required("image", in: members, at: path), at: "\(path).image")
        let digest = try reader.string(reader.required("digest", in: members, at: path), at: "\(path).digest")
        try reader.check(Self.isDigest(digest), at: "\(path).digest", "must be sha256: and 64 hex digits")
        var tagDigest: String?
        if let value = members.first(where: { $0.key == "tagDigest" })?.value {
            tagDigest = try reader.string(value, at: "\(path).tagDigest")
            try reader.check(Self.isDigest(tagDigest!), at: "\(path).tagDigest", "must be sha256: and 64 hex digits")
        }
        return Image(image: image, digest: digest, tagDigest: tagDigest)
    }

    private static func wheel(_ value: JSONValue, at path: String, reader: ObjectReader) throws -> Wheel {
        let members = try reader.object(value, at: path)
        try reader.allowOnly(["version", "index", "files"], in: members, at: path)
        let version = try reader.string(reader.required("version", in: members, at: path), at: "\(path).version")
        let index = try reader.string(reader.required("index", in: members, at: path), at: "\(path).index")
        var files: [String: String] = [:]
        let listed = try reader.object(reader.required("files", in: members, at: path), at: "\(path).files")
        try reader.check(!listed.isEmpty, at: "\(path).files", "is empty; a pinned wheel has at least one file")
        for (name, hash) in listed {
            let digest = try reader.string(hash, at: "\(path).files.\(name)")
            try reader.check(Self.isDigest(digest), at: "\(path).files.\(name)", "must be sha256: and 64 hex digits")
            files[name] = digest
        }
        return Wheel(version: version, index: index, files: files)
    }

    /// `sha256:` and 64 lowercase hex digits.
    public static func isDigest(_ text: String) -> Bool {
        text.hasPrefix("sha256:") && text.count == 71 && text.dropFirst(7).allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    /// The file's text.
    public var text: String {
        var architectures: [String: JSONValue] = [:]
        for (arch, platforms) in self.architectures {
            var byPlatform: [String: JSONValue] = [:]
            for (platform, pins) in platforms {
                var members: [String: JSONValue] = [:]
                if !pins.images.isEmpty {
                    members["images"] = .sortedObject(
                        pins.images.mapValues { image in
                            .object(
                                [(key: "image", value: .string(image.image)), (key: "digest", value: .string(image.digest))]
                                    + (image.tagDigest.map { [(key: "tagDigest", value: JSONValue.string($0))] } ?? []))
                        })
                }
                if !pins.wheels.isEmpty {
                    members["wheels"] = .sortedObject(
                        pins.wheels.mapValues { wheel in
                            .object([
                                (key: "version", value: .string(wheel.version)), (key: "index", value: .string(wheel.index)),
                                (key: "files", value: .sortedObject(wheel.files.mapValues { .string($0) })),
                            ])
                        })
                }
                byPlatform[platform] = .sortedObject(members)
            }
            architectures[arch] = .sortedObject(byPlatform)
        }
        return JSONValue.object([
            (key: "lockVersion", value: .number(Double(Self.version), literal: String(Self.version))),
            (key: "architectures", value: .sortedObject(architectures)),
        ]).text
    }
}
