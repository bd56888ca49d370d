import Foundation
import LinbuildTestFixtures

/// Runs the real `git`, isolated from the user's and the system's configuration (hooks, signing,
/// default branch), with a fixed identity.
public enum Git {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    static let environment = [
        "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
    ]

    /// The trimmed standard output; a non-zero exit throws with git's own message.
    @discardableResult
    public static func run(_ directory: String, _ arguments: String...) throws -> String {
        try run(directory, arguments)
    }

    @discardableResult
    public static func run(_ directory: String, _ arguments: [String]) throws -> String {
        let result = try Run.command("git", ["-C", directory] + arguments, environment: environment)
        guard result.status == 0 else { throw Failure(description: "git \(arguments.joined(separator: " ")): \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A new repository on branch `main` with one commit; returns that commit's SHA.
    @discardableResult
    public static func repository(at path: String, file: String = "file", text: String = "one\n") throws -> String {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try run(path, "init", "-q", "-b", "main")
        return try commit(in: path, file: file, text: text)
    }

    /// Writes `text` to `file`, commits it and returns the new commit's SHA.
    @discardableResult
    public static func commit(in path: String, file: String = "file", text: String) throws -> String {
        try text.write(toFile: path + "/" + file, atomically: false, encoding: .utf8)
        try run(path, "add", "--", file)
        try run(path, "commit", "-q", "-m", text)
        return try run(path, "rev-parse", "HEAD")
    }
}
