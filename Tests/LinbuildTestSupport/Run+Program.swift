extension Run {
    /// Writes `script` as an executable at `path`, through a child shell: this process never holds
    /// the file open for writing. A child that another test forks meanwhile inherits every open
    /// descriptor until it execs, and running a file that any process holds open for writing fails
    /// with "Text file busy".
    @discardableResult
    public static func writeProgram(at path: String, _ script: String) throws -> String {
        let written = try command("/bin/sh", ["-c", "printf '%s' \"$1\" > \"$2\" && chmod 755 \"$2\"", "sh", script, path])
        guard written.status == 0 else { throw ProgramNotWritten(path: path, reason: written.stderr) }
        return path
    }
}

public struct ProgramNotWritten: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "cannot write the program \(path): \(reason)" }
}
