import Foundation
import LinbuildTestFixtures

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A PEP 503/691 package index on loopback (`Tests/support/index-standin.py`), serving the files
/// given, with fault modes chosen by a path prefix (`/fault500`, `/hang`, `/malformed`,
/// `/htmlonly`, `/slow-MS`). Stopped by `stop()`.
public final class IndexStandIn: @unchecked Sendable {
    public var port: Int { server.port }
    public var root: String { "http://127.0.0.1:\(port)" }
    private let server: LoopbackServer
    private let config: String

    /// `tree`: index path (`whl/cu126`) → project → file names.
    public init(_ tree: [String: [String: [String]]]) throws {
        config = FileManager.default.temporaryDirectory.appendingPathComponent("index-standin-\(UUID().uuidString).json").path
        try JSONSerialization.data(withJSONObject: tree).write(to: URL(fileURLWithPath: config))
        server = try LoopbackServer(script: "index-standin.py", arguments: [config])
    }

    public func stop() {
        server.stop()
        try? FileManager.default.removeItem(atPath: config)
    }

    /// Requests and connections served so far.
    public func stats() throws -> (requests: Int, connections: Int) {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var body = Data()
        URLSession.shared.dataTask(with: URL(string: root + "/_stats")!) { data, _, _ in
            body = data ?? Data()
            done.signal()
        }.resume()
        _ = done.wait(timeout: .now() + 10)
        let data = body
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Int] ?? [:]
        return (object["requests"] ?? -1, object["connections"] ?? -1)
    }

    /// The index the preflight suites serve: PyTorch's `whl/cu126` (torch at `cu126Torch`),
    /// `whl/cu128` and `whl/nightly/cu128` with the versions the shipped presets pair, and PyPI's
    /// `simple` with `flashAttention`'s files.
    public static func torchTree(cu126Torch: [String], flashAttention: [String]) -> [String: [String: [String]]] {
        [
            "whl/cu126": [
                "torch": torchWheels("torch", cu126Torch),
                "torchvision": torchWheels("torchvision", ["0.22.1+cu126"]),
                "torchaudio": torchWheels("torchaudio", ["2.7.1+cu126"]),
            ],
            "whl/cu128": [
                "torch": torchWheels("torch", ["2.7.1+cu128", "2.8.0+cu128"]),
                "torchvision": torchWheels("torchvision", ["0.23.0+cu128"]),
                "torchaudio": torchWheels("torchaudio", ["2.8.0+cu128"]),
            ],
            "whl/nightly/cu128": [
                "torch": torchWheels("torch", ["2.9.0.dev20250801+cu128", "2.9.0.dev20250802+cu128"]),
                "torchvision": torchWheels("torchvision", ["0.24.0.dev20250801+cu128"]),
                "torchaudio": torchWheels("torchaudio", ["2.8.0.dev20250801+cu128"]),
            ],
            "simple": ["flash-attn": flashAttention],
        ]
    }

    /// Wheel file names as download.pytorch.org lists them, for CPython `python` on x86_64.
    public static func torchWheels(_ project: String, _ versions: [String], python: String = "cp311") -> [String] {
        versions.flatMap { version in
            [
                "\(project)-\(version)-\(python)-\(python)-manylinux_2_28_x86_64.whl",
                "\(project)-\(version)-\(python)-\(python)-manylinux_2_28_aarch64.whl",
                "\(project)-\(version)-cp310-cp310-manylinux_2_28_x86_64.whl",
            ]
        }
    }
}
