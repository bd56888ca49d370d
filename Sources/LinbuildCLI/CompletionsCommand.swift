/// `linbuild completions bash|zsh|fish`: the completion script for the shell named.
struct CompletionsCommand: LinbuildCommand {
    var context: Context

    func run() throws {
        context.console.out(Completions.script(for: context.options.positionals[0], presets: context.presets))
    }
}
