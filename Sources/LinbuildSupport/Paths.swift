import Foundation

/// File-system paths as the user typed them, made absolute against the working directory.
public enum Paths {
    /// `path` relative to the current directory, with `.` and `..` resolved (symbolic links kept).
    public static func absolute(_ path: String) -> String {
        let url = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        return url.standardizedFileURL.path
    }
}
