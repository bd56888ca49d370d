/// `linbuild check`: the contract between presets, plan and Dockerfile, without an engine.
struct CheckCommand {
    var options: Options
    var presets: Presets
    var locations: Locations
    var console: Console

    func run() throws {
        let dockerfile = try DockerfileParser.load(path: locations.dockerfile(presets))
        let architectures = try PlanBuilder.architectures(options.arches ?? .all, in: presets)
        try ContractCheck.verify(dockerfile: dockerfile, presets: presets, architectures: architectures)
        console.out("ok: \(dockerfile.path) matches the plan for \(architectures.map(\.name).joined(separator: ", "))\n")
    }
}
