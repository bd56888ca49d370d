import Foundation

/// A UUID-named folder under the temporary directory. Create it in a test and `remove()` it in
/// `defer`, so nothing is left behind whether the test passes or fails.
public struct Scratch {
    public let path: String

    public init(_ label: String) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("linbuild-\(label)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes `text` to `name` inside the folder and returns its path.
    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try text.write(toFile: file, atomically: false, encoding: .utf8)
        return file
    }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}
