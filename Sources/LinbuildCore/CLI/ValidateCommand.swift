/// `linbuild validate IMAGE`: runs the architecture's checks inside an image.
struct ValidateCommand {
    var options: Options
    var presets: Presets
    var environment: [String: String]
    var console: Console

    func run() throws {
        throw LinbuildError.usage("validate is not available yet")
    }
}
