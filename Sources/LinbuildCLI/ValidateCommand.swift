import Foundation
import LinbuildModel
import LinbuildProcess
import LinbuildRun
import LinbuildSupport

/// `linbuild validate IMAGE`: runs the presets' checks inside an image and reports each as pass,
/// fail or skipped; exit 1 if any fails. The architecture comes from `--arch` or from the image's
/// `dev.linbuild.arch` label, never from the tag's text (a tag is a name anyone can give).
struct ValidateCommand: LinbuildCommand {
    static let architectureLabel = "dev.linbuild.arch"

    var context: Context
    /// Fixed by tests, so the recorded `run --name …` commands are known in advance.
    var containerNamePrefix: String

    init(context: Context) { self.init(context: context, containerNamePrefix: Validator.uniquePrefix()) }

    init(context: Context, containerNamePrefix: String) {
        self.context = context
        self.containerNamePrefix = containerNamePrefix
    }

    func run() throws {
        let report = try validate()
        context.console.out(context.options.json ? try report.json() : report.text)
        if let failure = report.failure { throw failure }
    }

    /// Everything but printing: asks the engine for the image's labels, picks the architecture,
    /// runs the checks.
    func validate() throws -> ValidationReport {
        let options = context.options, presets = context.presets
        let image = options.positionals[0]
        guard !presets.validation.isEmpty else {
            throw LinbuildError.invalidPresets(
                file: "presets", entry: "validation.checks", problem: "is missing or empty; nothing to validate")
        }
        let engine = context.engine
        let probe = EngineProbe(engine: engine, runner: context.runner, timeout: options.probeTimeout)
        _ = try probe.verify(forBuilds: false)
        guard let labels = try probe.localLabels(of: image) else {
            throw LinbuildError.missingFile(image, what: "image (pull or build it first)")
        }
        let architecture = try self.architecture(of: image, labels: labels)
        let validator = Validator(engine: engine, runner: context.runner, gpus: options.gpus, namePrefix: containerNamePrefix)
        let results = try validator.run(presets.validation, image: image, architecture: architecture)
        return ValidationReport(image: image, architecture: architecture.name, results: results)
    }

    private func architecture(of image: String, labels: [String: String]) throws -> Presets.Architecture {
        let presets = context.presets
        let name: String
        switch context.options.arches {
        case .named(let names)? where names.count == 1:
            name = names[0]
        case .some:
            throw LinbuildError.usage("validate checks one image against one architecture: pass a single --arch NAME")
        case nil:
            guard let label = labels[Self.architectureLabel] else {
                throw LinbuildError.usage("\(image) has no \(Self.architectureLabel) label (not built by linbuild?); pass --arch NAME")
            }
            name = label
        }
        guard let architecture = presets.architecture(named: name) else {
            throw LinbuildError.usage(
                "unknown architecture '\(name)' for \(image); presets define \(presets.architectureNames.joined(separator: ", "))")
        }
        return architecture
    }
}
