import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The fault tests' registry must not disturb the next one: a stopped registry whose accept loop
/// started late once took over the reused listener of a registry made after it and dropped its
/// connections, so a test that asked the second registry saw a closed connection instead of a reply.
@Suite(.timeLimit(.minutes(5))) struct FakeRegistryTests {
    /// One HTTP request to 127.0.0.1:port; the status line of the reply, or nil when the connection
    /// was refused or closed without one.
    static func statusLine(port: Int) -> String? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        let request = Array("GET /v2/ HTTP/1.1\r\nHost: fake\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = read(fd, &buffer, buffer.count)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].prefix { $0 != UInt8(ascii: "\r") }, as: UTF8.self)
    }

    @Test func aClosedPortRefusesAndTheNextRegistryStillAnswers() throws {
        for _ in 0..<300 {
            let closed = try ClosedPort()
            defer { closed.release() }
            let next = try FakeRegistry(.status(200, headers: [:]))
            defer { next.stop() }
            #expect(Self.statusLine(port: closed.port) == nil)
            let line = Self.statusLine(port: next.port)
            #expect(line == "HTTP/1.1 200 Fake")
            if line != "HTTP/1.1 200 Fake" { break }
        }
    }

    /// The port stays taken until released: another server that binds it (a test running beside
    /// this one) fails, instead of answering where a test expects a refusal.
    @Test func aClosedPortIsHeldSoNoOtherSocketCanBindIt() throws {
        let closed = try ClosedPort()
        defer { closed.release() }
        let other = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(other) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(closed.port).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(other, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        let error = errno
        #expect(bound == -1 && error == EADDRINUSE, "bind to \(closed.port): \(bound), errno \(error)")
        #expect(Self.statusLine(port: closed.port) == nil)
    }
}
