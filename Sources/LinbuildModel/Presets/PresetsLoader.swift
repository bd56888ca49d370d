import Foundation
import LinbuildSupport

/// Reads and validates a presets file. Every problem is one `invalidPresets` error naming the
/// file, the entry (`architectures.hopper.cudaSuffix`) and what is wrong with it.
public enum PresetsLoader {
    /// Presets larger than this are not a matrix someone wrote by hand.
    static let maximumSize = 1 << 20

    public static func load(path: String) throws -> Presets {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw LinbuildError.missingFile(path, what: "presets file")
        }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: maximumSize + 1)) ?? Data()
        if data.isEmpty, isDirectory(path) {
            throw LinbuildError.missingFile(path, what: "presets file (a folder was given)")
        }
        guard data.count <= maximumSize else {
            throw LinbuildError.invalidPresets(
                file: path, entry: "(file)", problem: "larger than 1 MiB; a presets file holds a small matrix")
        }
        return try parse(Array(data), file: path)
    }

    public static func parse(_ bytes: [UInt8], file: String) throws -> Presets {
        // Editors on Windows save UTF-8 with a byte-order mark; it is not part of the JSON.
        let bytes = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            if let hint = JSONSyntaxHint.find(in: bytes) {
                throw LinbuildError.invalidPresets(file: file, entry: "line \(hint.line)", problem: hint.problem)
            }
            throw LinbuildError.invalidPresets(file: file, entry: "line \(error.line)", problem: "\(error.message) (not valid JSON)")
        }
        var reader = ObjectReader(file: file)
        let root = try reader.object(document, at: "(top level)")
        try reader.allowOnly(["defaults", "architectures", "validation", jobMemoryKey], in: root, at: "(top level)")

        let defaultsObject = try reader.object(reader.required("defaults", in: root, at: "(top level)"), at: "defaults")
        try reader.allowOnly(
            [
                "namespace", "baseImage", "runtimeImage", "arch", "branch", "maxJobs",
                "dockerfile", "platform", "source", "nvidiaCudaTag", "nvccThreads", "osPackages", "extras",
                "locations",
            ], in: defaultsObject, at: "defaults")
        func text(_ key: String) throws -> String {
            try reader.string(reader.required(key, in: defaultsObject, at: "defaults"), at: "defaults.\(key)")
        }
        var defaults = Presets.Defaults(
            namespace: try text("namespace"), baseImage: try text("baseImage"), runtimeImage: try text("runtimeImage"),
            arch: try text("arch"), branch: try text("branch"),
            maxJobs: try reader.integer(
                reader.required("maxJobs", in: defaultsObject, at: "defaults"), at: "defaults.maxJobs", in: OptionTable.jobBounds),
            dockerfile: try text("dockerfile"), platform: try text("platform"), source: try text("source"),
            nvidiaCudaTag: try text("nvidiaCudaTag"))
        try reader.check(
            ImageName.isValidNamespace(defaults.namespace), at: "defaults.namespace",
            "must be a valid image namespace (lowercase letters, digits, separators)")
        try reader.check(
            ImageName.isValidRepositoryComponent(defaults.baseImage), at: "defaults.baseImage",
            "must be a valid image name (lowercase letters, digits, . _ -)")
        try reader.check(
            ImageName.isValidRepositoryComponent(defaults.runtimeImage), at: "defaults.runtimeImage",
            "must be a valid image name (lowercase letters, digits, . _ -)")
        try reader.check(TagGrammar.isValidTag(defaults.nvidiaCudaTag), at: "defaults.nvidiaCudaTag", "must be a valid image tag")
        try reader.check(Platform.isValid(defaults.platform), at: "defaults.platform", "must look like os/arch, e.g. linux/amd64")
        if let problem = GitRefName.problem(with: defaults.branch) { throw reader.fail("defaults.branch", problem) }
        if let problem = SourceLocation.problem(with: defaults.source) { throw reader.fail("defaults.source", problem) }
        try RecipeFields.read(defaultsObject, into: &defaults, reader: reader)

        let architecturesObject = try reader.object(reader.required("architectures", in: root, at: "(top level)"), at: "architectures")
        guard !architecturesObject.isEmpty else {
            throw LinbuildError.invalidPresets(file: file, entry: "architectures", problem: "is empty; add at least one architecture")
        }
        var architectures: [Presets.Architecture] = []
        for (name, value) in architecturesObject {
            architectures.append(try architecture(name: name, value: value, reader: &reader))
        }
        guard architectures.contains(where: { $0.name == defaults.arch }) else {
            throw LinbuildError.invalidPresets(
                file: file, entry: "defaults.arch",
                problem:
                    "names '\(defaults.arch)', which is not under architectures (known: \(architectures.map(\.name).joined(separator: ", ")))"
            )
        }
        var presets = Presets(defaults: defaults, architectures: architectures)
        if let validation = root.first(where: { $0.key == "validation" })?.value {
            presets.validation = try checks(validation, reader: &reader)
        }
        if let memory = root.first(where: { $0.key == jobMemoryKey })?.value {
            for (major, value) in try reader.object(memory, at: jobMemoryKey) {
                guard let number = Int(major), (1...99).contains(number) else {
                    throw reader.fail("\(jobMemoryKey).\(major)", "must be a Flash Attention major version (e.g. \"2\")")
                }
                presets.jobMemoryGiB[number] = try reader.integer(value, at: "\(jobMemoryKey).\(major)", in: 1...1024)
            }
        }
        return presets
    }

    /// Per-job memory of the Flash Attention compile, in GiB, keyed by FA major.
    static let jobMemoryKey = "flashAttentionJobMemoryGiB"

    private static func checks(_ value: JSONValue, reader: inout ObjectReader) throws -> [ValidationCheck] {
        let section = try reader.object(value, at: "validation")
        try reader.allowOnly(["checks"], in: section, at: "validation")
        guard case .array(let entries) = try reader.required("checks", in: section, at: "validation") else {
            throw reader.fail("validation.checks", "must be an array of checks")
        }
        let known = ValidationCheck.placeholderKeys
        return try entries.enumerated().map { index, entry in
            let at = "validation.checks[\(index)]"
            let fields = try reader.object(entry, at: at)
            try reader.allowOnly(["name", "command", "expect", "needsGPU"], in: fields, at: at)
            let name = try reader.string(reader.required("name", in: fields, at: at), at: "\(at).name")
            guard case .array(let words) = try reader.required("command", in: fields, at: at), !words.isEmpty else {
                throw reader.fail("\(at).command", "must be a non-empty array of strings (an argument vector, not a shell line)")
            }
            let command = try words.enumerated().map { try reader.string($1, at: "\(at).command[\($0)]") }
            var expect: String?
            if let value = fields.first(where: { $0.key == "expect" })?.value {
                guard case .string(let text) = value else { throw reader.fail("\(at).expect", "must be a string, not \(value.typeName)") }
                if let unknown = ValidationCheck.placeholderNames(in: text).first(where: { !known.contains($0) }) {
                    throw reader.fail(
                        "\(at).expect", "uses {\(unknown)}, which is not one of \(known.sorted().map { "{\($0)}" }.joined(separator: ", "))"
                    )
                }
                expect = text
            }
            var needsGPU = false
            if let value = fields.first(where: { $0.key == "needsGPU" })?.value {
                guard case .bool(let flag) = value else {
                    throw reader.fail("\(at).needsGPU", "must be true or false, not \(value.typeName)")
                }
                needsGPU = flag
            }
            return ValidationCheck(name: name, command: command, expect: expect, needsGPU: needsGPU)
        }
    }

    private static func architecture(name: String, value: JSONValue, reader: inout ObjectReader) throws -> Presets.Architecture {
        let at = "architectures.\(name)"
        try reader.check(
            ArchitectureName.isValid(name), at: at,
            "is not a usable architecture name (lowercase letters, digits, . _ -; not 'all')")
        let entry = try reader.object(value, at: at)
        try reader.allowOnly(
            [
                "gpus", "torchVersion", "torchvisionVersion", "torchaudioVersion", "torchChannel", "cudaSuffix",
                "cudaArchList", "flashAttention", "nvidiaCudaTag",
            ], in: entry, at: at)
        func text(_ key: String) throws -> String {
            try reader.string(reader.required(key, in: entry, at: at), at: "\(at).\(key)")
        }
        let torchVersion = try text("torchVersion")
        let cudaSuffix = try text("cudaSuffix")
        let channel = try text("torchChannel")
        let archList = try text("cudaArchList")
        try reader.check(
            TagGrammar.isValidTagFragment(torchVersion), at: "\(at).torchVersion", "must be a version usable in a tag, e.g. 2.7.1")
        let torchvisionVersion = try text("torchvisionVersion"), torchaudioVersion = try text("torchaudioVersion")
        try reader.check(PipVersion.isValid(torchvisionVersion), at: "\(at).torchvisionVersion", "must be a pip version, e.g. 0.22.1")
        try reader.check(PipVersion.isValid(torchaudioVersion), at: "\(at).torchaudioVersion", "must be a pip version, e.g. 2.7.1")
        try reader.check(TagGrammar.isValidTagFragment(cudaSuffix), at: "\(at).cudaSuffix", "must be usable in a tag, e.g. cu126")
        try reader.check(
            Presets.torchChannels.contains(channel), at: "\(at).torchChannel",
            "must be one of \(Presets.torchChannels.joined(separator: ", ")), not '\(channel)'")
        try reader.check(
            CudaArchList.isValid(archList), at: "\(at).cudaArchList", "must be compute capabilities separated by ';', e.g. 8.0;8.6")

        let flashAttention = try flashAttentions(in: entry, at: at, reader: reader)
        var nvidiaCudaTag: String?
        if let tagValue = entry.first(where: { $0.key == "nvidiaCudaTag" })?.value {
            let tag = try reader.string(tagValue, at: "\(at).nvidiaCudaTag")
            try reader.check(TagGrammar.isValidTag(tag), at: "\(at).nvidiaCudaTag", "must be a valid image tag")
            nvidiaCudaTag = tag
        }
        let gpus = try entry.first(where: { $0.key == "gpus" }).map { try reader.string($0.value, at: "\(at).gpus") } ?? ""
        let architecture = Presets.Architecture(
            name: name, gpus: gpus, torchVersion: torchVersion, torchvisionVersion: torchvisionVersion,
            torchaudioVersion: torchaudioVersion, torchChannel: channel,
            cudaSuffix: cudaSuffix, cudaArchList: archList,
            flashAttention: flashAttention, nvidiaCudaTag: nvidiaCudaTag)
        let baseTag = BaseImageTag(repository: ImageRepository(registry: nil, namespace: "n"), image: "i", architecture: architecture).tag
        try reader.check(
            TagGrammar.isValidTag(baseTag), at: at,
            "makes a base tag longer than \(TagGrammar.maximumLength) characters (\(baseTag.prefix(40))…); shorten cudaSuffix or torchVersion"
        )
        return architecture
    }

    /// `flashAttention`: `null` (none), one object, or an array of objects (an architecture may get
    /// FA 2 and FA 3: each is its own API). Sorted by major; each major once; the version's leading
    /// number is its major (the Dockerfile tells the versions in `FA_VER` apart by it); a commit
    /// pins the git source of a major that is not published as a package (3 and later), and only
    /// one entry can have one (`FA_COMMIT` is one value).
    private static func flashAttentions(
        in entry: ObjectReader.Members, at: String, reader: ObjectReader
    ) throws -> [Presets.FlashAttention] {
        let faAt = "\(at).flashAttention"
        guard let value = entry.first(where: { $0.key == "flashAttention" })?.value else {
            throw reader.fail(faAt, "is missing (an object with version and major, an array of them, or null for none)")
        }
        let items: [(at: String, value: JSONValue)]
        switch value {
        case .null: return []
        case .array(let elements): items = elements.enumerated().map { ("\(faAt)[\($0.offset)]", $0.element) }
        case .object: items = [(faAt, value)]
        default: throw reader.fail(faAt, "must be an object or an array of objects, not \(value.typeName)")
        }
        var result: [Presets.FlashAttention] = []
        for (itemAt, item) in items {
            let fa = try reader.object(item, at: itemAt)
            try reader.allowOnly(["version", "major", "commit", "disable"], in: fa, at: itemAt)
            let version = try reader.string(reader.required("version", in: fa, at: itemAt), at: "\(itemAt).version")
            try reader.check(
                PipVersion.isValid(version), at: "\(itemAt).version",
                "must be a pip version, e.g. 2.7.4.post1 (use null for no Flash Attention)")
            let major = try reader.integer(reader.required("major", in: fa, at: itemAt), at: "\(itemAt).major", in: 1...99)
            try reader.check(
                version.split(separator: ".").first.flatMap { Int($0) } == major, at: "\(itemAt).version",
                "'\(version)' is not a version of major \(major) (its leading number must be the major)")
            var commit: String?
            if let commitValue = fa.first(where: { $0.key == "commit" })?.value {
                let text = try reader.string(commitValue, at: "\(itemAt).commit")
                try reader.check(
                    CommitID(text) != nil && text == text.lowercased(), at: "\(itemAt).commit",
                    "must be a full 40-hex commit of the Flash Attention git source (lower case)")
                try reader.check(
                    major >= 3, at: "\(itemAt).commit",
                    "is only for Flash Attention 3 and later (built from the git source); version \(major) comes from the package index")
                commit = text
            } else if major >= 3 {
                throw reader.fail(
                    "\(itemAt).commit", "is missing: Flash Attention \(major) is not published as a package; pin a commit of its git source"
                )
            }
            try reader.check(
                !result.contains { $0.major == major }, at: itemAt, "lists Flash Attention \(major) a second time (one version per major)")
            try reader.check(
                commit == nil || !result.contains { $0.commit != nil }, at: "\(itemAt).commit",
                "is a second pinned commit; only one Flash Attention can be built from the git source (FA_COMMIT)")
            var disable: [String] = []
            if let value = fa.first(where: { $0.key == "disable" })?.value {
                guard case .array(let names) = value else { throw reader.fail("\(itemAt).disable", "must be an array of names") }
                disable = try names.enumerated().map { try reader.string($0.element, at: "\(itemAt).disable[\($0.offset)]") }
                try reader.check(
                    major == 3, at: "\(itemAt).disable",
                    "is Flash Attention 3's (hopper/setup.py's FLASH_ATTENTION_DISABLE_*), not \(major)'s")
                for name in disable {
                    try reader.check(
                        Presets.FlashAttention.fa3Switches.contains(name), at: "\(itemAt).disable",
                        "'\(name)' is none of hopper/setup.py's switches: \(Presets.FlashAttention.fa3Switches.joined(separator: ", "))")
                }
            }
            result.append(.init(version: version, major: major, commit: commit, disable: disable))
        }
        return result.sorted { $0.major < $1.major }
    }

    private static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}

/// Typed access to JSON objects that turns every mismatch into a presets error with its path.
struct ObjectReader {
    typealias Members = [(key: String, value: JSONValue)]
    let file: String

    func fail(_ at: String, _ problem: String) -> LinbuildError {
        .invalidPresets(file: file, entry: at, problem: problem)
    }

    func check(_ condition: Bool, at: String, _ problem: String) throws {
        if !condition { throw fail(at, problem) }
    }

    func object(_ value: JSONValue, at: String) throws -> Members {
        guard case .object(let members) = value else { throw fail(at, "must be an object, not \(value.typeName)") }
        return members
    }

    func required(_ key: String, in members: Members, at: String) throws -> JSONValue {
        guard let value = members.first(where: { $0.key == key })?.value else {
            throw fail(at == "(top level)" ? key : "\(at).\(key)", "is missing")
        }
        return value
    }

    func allowOnly(_ keys: Set<String>, in members: Members, at: String) throws {
        if let unknown = members.first(where: { !keys.contains($0.key) }) {
            let prefix = at == "(top level)" ? "" : "\(at)."
            let hint = EditDistance.nearest(to: unknown.key, among: Array(keys)).map { " (did you mean \($0)?)" } ?? ""
            throw fail("\(prefix)\(unknown.key)", "is not a known field\(hint)")
        }
    }

    func string(_ value: JSONValue, at: String) throws -> String {
        guard case .string(let text) = value else { throw fail(at, "must be a string, not \(value.typeName)") }
        guard !text.isEmpty else { throw fail(at, "must not be empty") }
        return text
    }

    func integer(_ value: JSONValue, at: String, in range: ClosedRange<Int>) throws -> Int {
        guard case .number(let number, let literal) = value, !literal.contains("."), !literal.lowercased().contains("e"),
            let integer = Int(literal)
        else {
            throw fail(at, "must be a whole number, not \(value.typeName == "a number" ? "a fraction" : value.typeName)")
        }
        _ = number
        guard range.contains(integer) else { throw fail(at, "must be between \(range.lowerBound) and \(range.upperBound)") }
        return integer
    }
}
