/// Shell completion scripts generated from the option table.
public enum Completions {
    public static func script(for shell: String, presets: Presets) -> String {
        ""
    }
}
