import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

/// The preflight of the binary, against upstream stand-ins whose URLs carry credentials.
@Suite(.timeLimit(.minutes(5))) struct RedactedPreflightTests {
    /// Preflight names the Flash Attention git remote and the package indexes, whose
    /// URLs may carry a token (`LINBUILD_FA3_GIT=https://TOKEN@…`): its lines, git's own message
    /// and the exit-65 error all pass through the same masking.
    @Test func preflightLinesMaskCredentials() throws {
        // Every stand-in answers 404: images and wheels are absent, the git remote cannot be reached.
        let server = try FakeRegistry(.status(404, headers: [:]))
        defer { server.stop() }
        let closed = try ClosedPort()
        defer { closed.release() }
        let environment = [
            "LINBUILD_ENGINE": "/nonexistent", "NO_COLOR": "1",
            "LINBUILD_FA3_GIT": "http://ghp_TOKEN@127.0.0.1:\(closed.port)/flash-attention.git",
            "LINBUILD_TORCH_INDEX": "http://user:SECRET@\(server.address)/whl",
            "LINBUILD_PYPI_INDEX": "http://user:SECRET@\(server.address)/simple",
            "LINBUILD_CUDA_IMAGE": "\(server.address)/cuda", "LINBUILD_OS_IMAGE": "\(server.address)/os",
            "LINBUILD_UV_IMAGE": "\(server.address)/uv",
        ]
        let result = try Run.command(
            Run.linbuild, ["preflight", "--presets", Repository.presets, "--arch", "hopper", "--probe-timeout", "5"],
            environment: environment)
        #expect(result.status == 65, "\(result.output)")
        #expect(result.output.contains("flash-attention"), "\(result.output)")
        #expect(result.output.contains("***@127.0.0.1:\(closed.port)"), "\(result.output)")
        #expect(result.output.contains("***@\(server.address)"), "\(result.output)")
        #expect(!result.output.contains("ghp_TOKEN") && !result.output.contains("SECRET"), "\(result.output)")
    }
}
