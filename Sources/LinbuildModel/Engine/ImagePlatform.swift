import LinbuildSupport

/// Platforms in tags: `linux/amd64`, the default of the presets and of most machines, adds
/// nothing; any other adds its architecture and variant (`linux/arm64` → `arm64`,
/// `linux/arm/v7` → `armv7`) and, for another OS, the OS first (`windows-amd64`).
public enum ImagePlatform {
    public static func tagPart(_ platform: String) -> String? {
        let fields = platform.lowercased().split(separator: "/").map(String.init)
        guard fields.count >= 2, fields != ["linux", "amd64"] else { return nil }
        let part = (fields[0] == "linux" ? "" : fields[0] + "-") + fields.dropFirst().joined()
        let cleaned = String(part.unicodeScalars.filter(TagGrammar.isTagScalar).map(Character.init))
        return cleaned.isEmpty ? nil : cleaned
    }

    /// Whether an image's `os`, `architecture` and `variant` are the platform asked for (a variant
    /// is compared only when the platform names one).
    public static func matches(_ platform: String, os: String, architecture: String, variant: String?) -> Bool {
        let fields = platform.lowercased().split(separator: "/").map(String.init)
        guard fields.count >= 2, fields[0] == os.lowercased(), fields[1] == architecture.lowercased() else { return false }
        return fields.count < 3 || fields[2] == (variant ?? "").lowercased()
    }

    /// `found` (`linux/arm64/v8`) is the platform asked for (`linux/arm64`).
    public static func matches(_ wanted: String, found: String) -> Bool {
        let fields = found.split(separator: "/").map(String.init)
        guard fields.count >= 2 else { return false }
        return matches(wanted, os: fields[0], architecture: fields[1], variant: fields.count > 2 ? fields[2] : nil)
    }
}
