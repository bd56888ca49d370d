import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A server script of `Tests/support` run with python3 on loopback. Each prints the port it
/// listens on as its first line, so nothing talks to it before it is ready.
public final class LoopbackServer: @unchecked Sendable {
    public let port: Int
    private let process = Process()

    /// `Tests/support/<script>` with `arguments`; throws when it prints no port.
    public init(script: String, arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.support + "/" + script] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Byte by byte, so nothing after the first line is consumed.
        var line: [UInt8] = []
        var byte: UInt8 = 0
        let descriptor = output.fileHandleForReading.fileDescriptor
        while read(descriptor, &byte, 1) == 1, byte != UInt8(ascii: "\n") { line.append(byte) }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespaces)), port > 0 else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw LoopbackServerDidNotStart(script: script)
        }
        self.port = port
    }

    /// SIGKILL: a child started from a test thread may have SIGTERM blocked (swift-corelibs-foundation 4772).
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// `Tests/support`, found from this file's place in the repository.
    public static let support = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("support").path
}

public struct LoopbackServerDidNotStart: Error, CustomStringConvertible {
    public let script: String
    public var description: String { "Tests/support/\(script) printed no port: it did not start" }
}
