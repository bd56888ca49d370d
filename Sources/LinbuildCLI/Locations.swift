import Foundation
import LinbuildModel
import LinbuildSupport

/// Where linbuild's files are: presets from the option, `./presets.json`, or the installed
/// copy beside the binary; the Dockerfile relative to the presets file unless given.
public struct Locations: Sendable {
    public var presets: String
    public var options: Options

    public init(options: Options) {
        self.options = options
        if let given = options.presetsPath {
            presets = Paths.absolute(given)
        } else if FileManager.default.fileExists(atPath: "presets.json") {
            presets = Paths.absolute("presets.json")
        } else {
            let installed = Self.executable.deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("share/linbuild/presets.json").path
            presets = FileManager.default.fileExists(atPath: installed) ? installed : Paths.absolute("presets.json")
        }
    }

    /// The running binary. `argv[0]` is only the name typed (`linbuild`, found on PATH), so the
    /// kernel's link is asked first.
    static var executable: URL {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: path)
        }
        return URL(fileURLWithPath: CommandLine.arguments.first ?? "linbuild").resolvingSymlinksInPath()
    }

    /// The lock of the upstreams: beside the presets file, named after it (`presets.lock.json`).
    public var lock: String { UpstreamLock.path(forPresets: presets) }

    public func dockerfile(_ presets: Presets) -> String {
        if let given = options.dockerfile { return Paths.absolute(given) }
        if presets.defaults.dockerfile.hasPrefix("/") { return presets.defaults.dockerfile }
        let directory = URL(fileURLWithPath: self.presets).deletingLastPathComponent()
        return directory.appendingPathComponent(presets.defaults.dockerfile).standardizedFileURL.path
    }
}
