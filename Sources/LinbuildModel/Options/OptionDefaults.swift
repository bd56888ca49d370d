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
}
