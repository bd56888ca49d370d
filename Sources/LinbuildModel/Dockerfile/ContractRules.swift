import Foundation

/// Contract rules BuildKit would only reveal late, or never: each gives a wrong base rather than
/// an error, or fails hours into a build.
enum ContractRules {
    typealias Report = (Int, String) -> Void

    static func check(_ dockerfile: Dockerfile, presets: Presets, architectures: [Presets.Architecture], report: Report) {
        duplicateStageNames(dockerfile, report: report)
        let baseImage = DockerfileContract.baseImageArgument
        guard let base = dockerfile.stage(named: DockerfileContract.baseStage) else { return }
        if ArgumentReference.names(in: base.baseImage).contains(baseImage) {
            report(
                base.fromLine,
                "the base stage is FROM '\(base.baseImage)': \(baseImage) is the base's own tag, so the base would be built from itself (build it FROM an OS or CUDA image)"
            )
        }
        let runtimeArguments = BuildArguments.runtime(baseImage: "", commit: CommitID(String(repeating: "0", count: 40))!).names
        var baseArguments: [String] = []
        for architecture in architectures {
            let arguments = BuildArguments.base(for: architecture, defaults: presets.defaults, maxJobs: presets.defaults.maxJobs)
            baseArguments += arguments.names.filter { !baseArguments.contains($0) }
            operatingSystems(dockerfile, base: base, architecture: architecture, arguments: arguments, report: report)
        }
        envOverrides(dockerfile, target: DockerfileContract.baseStage, passed: baseArguments, report: report)
        envOverrides(
            dockerfile, target: DockerfileContract.runtimeStage, passed: runtimeArguments.filter { $0 != baseImage }, report: report)
        emptyContextReads(dockerfile, report: report)
    }

    /// A location that carries credentials in this run reaches the build only as a build secret of
    /// its own name (the build argument holds it without them, because the image's history records
    /// every build argument a RUN uses). A RUN of either target that uses the argument must mount
    /// that secret: without it the step would run without the credentials, and a Dockerfile that
    /// expected them in the argument is one that leaks them whenever anything passes them so.
    static func credentialsReachRunsAsSecrets(_ dockerfile: Dockerfile, credentialed: [String], report: Report) {
        guard !credentialed.isEmpty else { return }
        let stages = (dockerfile.closure(of: DockerfileContract.baseStage) + dockerfile.closure(of: DockerfileContract.runtimeStage))
        var seen: Set<Int> = []
        for stage in stages where seen.insert(stage.index).inserted {
            let inherited = argumentsInherited(by: stage, in: dockerfile)
            for instruction in stage.instructions where instruction.keyword == "RUN" {
                let used = Set(ArgumentReference.names(in: ([instruction.arguments] + instruction.heredocs).joined(separator: "\n")))
                let declared = inherited.union(stage.args.filter { $0.line < instruction.line }.map(\.name))
                let mounted = secretMounts(of: instruction)
                for name in credentialed where used.contains(name) && declared.contains(name) && !mounted.contains(name) {
                    report(
                        instruction.line,
                        "a RUN in the \(stage.quotedLabel) stage uses $\(name), which carries credentials in this run, as a plain build argument, and the image's history records every build argument a RUN uses; linbuild passes \(name) without its credentials and them as the build secret '\(name)' (add --mount=type=secret,id=\(name) to this RUN and read the location from /run/secrets/\(name), falling back to $\(name) when that file is absent)"
                    )
                }
            }
        }
    }

    /// The ids of the secrets a RUN mounts (`--mount=type=secret,id=X`, or a `target` named X).
    static func secretMounts(of instruction: Dockerfile.Instruction) -> Set<String> {
        var ids: Set<String> = []
        for (_, options) in mounts(of: instruction) where options["type"] == "secret" {
            let target = options["target"] ?? options["dst"] ?? options["destination"]
            if let id = options["id"] ?? target.map({ ($0 as NSString).lastPathComponent }) { ids.insert(id) }
        }
        return ids
    }

    /// A RUN's `--mount=` flags, each with its options (names lower-cased).
    static func mounts(of instruction: Dockerfile.Instruction) -> [(word: String, options: [String: String])] {
        ShellWords.split(instruction.arguments).prefix { $0.hasPrefix("--") }.filter { $0.hasPrefix("--mount=") }.map { word in
            let options = Dictionary(
                word.dropFirst("--mount=".count).split(separator: ",").map { option -> (String, String) in
                    let parts = option.split(separator: "=", maxSplits: 1)
                    return (String(parts[0]).lowercased(), parts.count > 1 ? String(parts[1]) : "")
                }, uniquingKeysWith: { first, _ in first })
            return (word, options)
        }
    }

    /// The ARGs of the stages `stage` is built FROM: BuildKit carries them into it.
    static func argumentsInherited(by stage: Dockerfile.Stage, in dockerfile: Dockerfile) -> Set<String> {
        var names: Set<String> = []
        var current = stage
        while let parent = dockerfile.stage(named: current.baseImage), parent.index < current.index {
            names.formUnion(parent.args.map(\.name))
            current = parent
        }
        return names
    }

    /// BuildKit refuses a repeated stage name only in newer frontends; older ones build the first.
    static func duplicateStageNames(_ dockerfile: Dockerfile, report: Report) {
        var seen: [String: Int] = [:]
        for stage in dockerfile.stages {
            guard let name = stage.name?.lowercased() else { continue }
            if let first = seen[name] {
                report(
                    stage.fromLine,
                    "a second stage is named '\(stage.name ?? name)' (the first is FROM on line \(first)); --target would pick one of them (rename one)"
                )
            } else {
                seen[name] = stage.fromLine
            }
        }
    }

    /// `ENV TORCH_VER=…` after `ARG TORCH_VER` replaces what linbuild passed, silently;
    /// `ENV TORCH_VER=$TORCH_VER` keeps it and is fine.
    static func envOverrides(_ dockerfile: Dockerfile, target: String, passed: [String], report: Report) {
        for stage in dockerfile.closure(of: target) {
            for instruction in stage.instructions where instruction.keyword == "ENV" {
                let words = ShellWords.split(instruction.arguments)
                var pairs: [(String, String)] = []
                if let first = words.first, !first.contains("=") {
                    pairs = [(first, words.dropFirst().joined(separator: " "))]
                } else {
                    pairs = words.compactMap { word in
                        word.firstIndex(of: "=").map { (String(word[..<$0]), String(word[word.index(after: $0)...])) }
                    }
                }
                for (name, value) in pairs where passed.contains(name) && !ArgumentReference.names(in: value).contains(name) {
                    report(
                        instruction.line,
                        "ENV \(name) in the \(stage.quotedLabel) stage overrides the build argument linbuild passes to --target \(target), so the value linbuild chose is lost (remove it, or write ENV \(name)=${\(name)})"
                    )
                }
            }
        }
    }

    /// The base is built with an empty context; a bind mount without `from=` and a JSON-form
    /// COPY read that context as surely as a plain COPY does.
    static func emptyContextReads(_ dockerfile: Dockerfile, report: Report) {
        let target = DockerfileContract.baseStage
        for stage in dockerfile.closure(of: target) {
            for instruction in stage.instructions {
                if instruction.keyword == "RUN" {
                    for (word, options) in mounts(of: instruction) {
                        // A mount's type defaults to bind, and a bind's source to the build context.
                        guard (options["type"] ?? "bind") == "bind", options["from"] == nil else { continue }
                        report(
                            instruction.line,
                            "the \(stage.quotedLabel) stage bind-mounts the build context (\(word)), but linbuild builds --target \(target) with an empty context (add from=<stage>, or fetch the files in the RUN)"
                        )
                    }
                }
                if ["COPY", "ADD"].contains(instruction.keyword), instruction.arguments.hasPrefix("["),
                    let data = instruction.arguments.data(using: .utf8),
                    let words = try? JSONSerialization.jsonObject(with: data) as? [String], words.count >= 2
                {
                    let local = words.dropLast().filter { !$0.contains("://") && !$0.hasPrefix("git@") }
                    if let first = local.first {
                        report(
                            instruction.line,
                            "the \(stage.quotedLabel) stage copies '\(first)' from the build context, but linbuild builds --target \(target) with an empty context (copy from a stage with --from, or fetch it in a RUN)"
                        )
                    }
                }
            }
        }
    }

    /// `12.8.0-cudnn-devel-ubuntu22.04` → `ubuntu22.04`; `ubuntu:22.04` → `ubuntu22.04`.
    static func operatingSystem(ofCudaTag tag: String) -> String? {
        guard let last = tag.split(separator: "-").last, let letters = last.firstIndex(where: \.isNumber), letters > last.startIndex else {
            return nil
        }
        return String(last).lowercased()
    }

    static func operatingSystem(ofImage image: String) -> String? {
        let name = image.split(separator: "/").last.map(String.init) ?? image
        let parts = name.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, ["ubuntu", "rockylinux", "debian", "ubi8", "ubi9"].contains(String(parts[0]).lowercased()) else {
            return nil
        }
        return (String(parts[0]) + String(parts[1])).lowercased()
    }

    /// The builder compiles against the CUDA image's OS; the base runs it on its own OS image.
    /// Compiled extensions need the same glibc, which the build would only find out at the end.
    static func operatingSystems(
        _ dockerfile: Dockerfile, base: Dockerfile.Stage, architecture: Presets.Architecture,
        arguments: BuildArguments, report: Report
    ) {
        guard let cudaTag = arguments["NVIDIA_CUDA_TAG"], let cudaOS = operatingSystem(ofCudaTag: cudaTag) else { return }
        // The base's FROM: an image, or a global ARG whose value linbuild passes or defaults.
        var image = base.baseImage, source = "the base stage's FROM"
        if let name = ArgumentReference.names(in: base.baseImage).first, ArgumentReference.all(in: base.baseImage).count == 1 {
            guard let value = arguments[name] ?? dockerfile.globalArgs.last(where: { $0.name == name })?.defaultValue else { return }
            image = base.baseImage.replacingOccurrences(of: "${\(name)}", with: value).replacingOccurrences(of: "$\(name)", with: value)
            source = arguments[name] == nil ? "the default of \(name)" : "\(name)"
        }
        guard let baseOS = operatingSystem(ofImage: image), baseOS != cudaOS else { return }
        report(
            base.fromLine,
            "architecture \(architecture.name) builds on nvidia/cuda:\(cudaTag) (\(cudaOS)) but the base runs on \(image) (\(baseOS), from \(source)); its compiled extensions need the same OS (use an nvidiaCudaTag for \(baseOS), or change \(source))"
        )
    }
}
