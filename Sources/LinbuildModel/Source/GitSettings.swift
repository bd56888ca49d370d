/// How linbuild runs git, whatever it asks git.
public enum GitSettings {
    /// Git never prompts (no terminal is there to answer), takes no locks it does not need (a run
    /// beside an editor's git never fails on `index.lock`), and speaks only ordinary transports:
    /// `ext::` and friends would run commands named in the URL.
    public static let environment = [
        "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0",
        "GIT_ALLOW_PROTOCOL": "file:git:http:https:ssh",
    ]
}
