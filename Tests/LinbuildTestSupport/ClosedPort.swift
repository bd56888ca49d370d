import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A loopback port that refuses connections: bound and never listened on, and held until
/// `release()`, so no other socket (another test's server, in this process or another) can take
/// it meanwhile. A port that was merely free a moment ago can be handed to the next bind.
public final class ClosedPort: @unchecked Sendable {
    public let port: Int
    private let descriptor: Int32

    public init() throws {
        (descriptor, port) = try boundLoopbackSocket()
    }

    public func release() { close(descriptor) }
}

/// A TCP socket bound to 127.0.0.1 on a port the kernel picks, and that port.
func boundLoopbackSocket() throws -> (descriptor: Int32, port: Int) {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw FakeRegistryError.socket(errno) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
    }
    guard bound == 0, named == 0 else {
        let error = errno
        close(descriptor)
        throw FakeRegistryError.socket(error)
    }
    return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
}
