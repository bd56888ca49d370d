import Foundation

/// `linbuild validate IMAGE`: runs the presets' checks inside an image and reports each as pass,
/// fail or skipped; exit 1 if any fails. The architecture comes from `--arch` or from the image's
/// `dev.linbuild.arch` label, never from the tag's text.
struct ValidateCommand {
    var options: Options
    var presets: Presets
    var environment: [String: String]
    var console: Console
    var runner: ProcessRunning = FoundationProcessRunner()

    func run() throws {
        let image = options.positionals[0]
        guard !presets.validation.isEmpty else {
            throw LinbuildError.invalidPresets(file: "presets", entry: "validation.checks", problem: "is missing or empty; nothing to validate")
        }
        let engine = EngineCLI.choose(options: options, environment: environment, fileExists: FileManager.default.fileExists(atPath:))
        let probe = EngineProbe(engine: engine, runner: runner, timeout: options.probeTimeout)
        _ = try probe.verify(forBuilds: false)
        guard let labels = try probe.localLabels(of: image) else {
            throw LinbuildError.missingFile(image, what: "image (pull or build it first)")
        }
        let architecture = try self.architecture(of: image, labels: labels)

        let results = try Validator(engine: engine, runner: runner, gpus: options.gpus).run(presets.validation, image: image, architecture: architecture)
        if options.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            console.out(String(decoding: try encoder.encode(results), as: UTF8.self) + "\n")
        } else {
            console.out("validate \(image) as \(architecture.name):\n")
            let width = (results.map(\.name.count).max() ?? 0) + 2
            for result in results {
                console.out("  " + result.status.rawValue.padding(9) + result.name.padding(width) + result.detail + "\n")
            }
        }
        let failed = results.filter { $0.status == .fail }
        if !failed.isEmpty {
            throw LinbuildError.validationFailed("\(failed.count) of \(results.count) checks failed in \(image): \(failed.map(\.name).joined(separator: ", "))")
        }
    }

    private func architecture(of image: String, labels: [String: String]) throws -> Presets.Architecture {
        let name: String
        switch options.arches {
        case .named(let names)? where names.count == 1:
            name = names[0]
        case .some:
            throw LinbuildError.usage("validate checks one image against one architecture: pass a single --arch NAME")
        case nil:
            guard let label = labels["dev.linbuild.arch"] else {
                throw LinbuildError.usage("\(image) has no dev.linbuild.arch label (not built by linbuild?); pass --arch NAME")
            }
            name = label
        }
        guard let architecture = presets.architecture(named: name) else {
            throw LinbuildError.usage("unknown architecture '\(name)' for \(image); presets define \(presets.architectureNames.joined(separator: ", "))")
        }
        return architecture
    }
}
