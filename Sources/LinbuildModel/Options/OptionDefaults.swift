import LinbuildSupport

/// Reading an option's default off its spec: help and the reference show it, parsing fills it in,
/// and the plan asks here for the presets' value of an option nobody gave.
extension OptionSpec {
    /// The value parsing fills in when neither the option nor its variable is given.
    public var builtInValue: String? {
        if case .value(let value, _)? = defaultValue { return value }
        return nil
    }

    /// What `--help` shows as the default under `subcommand`; presets-backed defaults need the
    /// presets (nil without them).
    public func defaultText(for subcommand: Subcommand, presets: Presets?) -> String? {
        if let other = otherDefaults[subcommand] { return other }
        switch defaultValue {
        case .value(let value, let shown)?: return shown ?? value
        case .described(let text)?: return text
        case .presets(let field)?: return presets.map { field.text(in: $0.defaults) }
        case nil: return nil
        }
    }
}

/// Option > environment > presets: `Options.parse` has applied the first two; these fill in the
/// last, for the options whose spec says the presets supply them.
extension Options {
    public func branch(or presets: Presets) -> String { branch ?? presets.defaults.branch }
    public func source(or presets: Presets) -> String { source ?? presets.defaults.source }
    public func namespace(or presets: Presets) -> String { namespace ?? presets.defaults.namespace }
    public func platform(or presets: Presets) -> String { platform ?? presets.defaults.platform }
    /// `nil` (absent or `auto`) falls back to the presets' number; `JobSizing` resolves auto first.
    public func maxJobs(or presets: Presets) -> Int { maxJobs ?? presets.defaults.maxJobs }

    /// Where step logs go: `--log-dir`, `LINBUILD_LOG_DIR`, or the spec's default.
    public var logs: String { logDirectory ?? OptionTable.logDirectory.builtInValue! }

    /// The architectures `--arch` (or `LINBUILD_ARCH`) names, in presets order for `all` and in the
    /// given order otherwise; without either, `whenAbsent` (nil: the presets' default arch). An
    /// unknown name is a usage error that says where the value came from when nobody typed it.
    public func architectures(in presets: Presets, whenAbsent: ArchSelection? = nil) throws -> [Presets.Architecture] {
        switch arches ?? whenAbsent ?? .named([presets.defaults.arch]) {
        case .all:
            return presets.architectures
        case .named(let names):
            return try names.map { name in
                guard let architecture = presets.architecture(named: name) else {
                    let variable = arches == nil ? nil : environmentSources["arch"]
                    throw LinbuildError.usage(
                        "unknown --arch '\(name)'; presets define \(presets.architectureNames.joined(separator: ", ")) (or all)"
                            + (variable.map { " (from the environment variable \($0))" } ?? ""))
                }
                return architecture
            }
        }
    }
}
