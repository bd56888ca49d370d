import Foundation

/// The repository's own files, found from this source file's path.
public enum Repository {
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    public static let presets = root + "/presets.json"
    public static let dockerfile = root + "/docker/Dockerfile"
}
