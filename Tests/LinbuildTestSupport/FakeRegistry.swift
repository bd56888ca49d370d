import Foundation
import LinbuildTestFixtures

#if canImport(Glibc)
import Glibc
#endif

/// A misbehaving registry on loopback, for fault tests: it answers every request with one canned
/// reply, or accepts connections and never answers. Stopped (and its port closed) by `stop()`.
public final class FakeRegistry: @unchecked Sendable {
    public enum Behaviour: Sendable {
        /// Accepts, reads, never writes a byte.
        case silent
        /// Answers with this status line and headers, and a small body.
        case status(Int, headers: [String: String])
        /// Says "absent" (404) to every manifest question (`HEAD` or `GET`), and refuses everything
        /// else as unauthorized: a registry linbuild can ask, but the engine cannot push to.
        case absentButRefusesPush
        /// Answers each request with what the function gives for its method and path: status,
        /// headers, body (not sent for `HEAD`).
        case serving(@Sendable (_ method: String, _ path: String) -> (status: Int, headers: [String: String], body: String))
    }

    public let port: Int
    public var address: String { "127.0.0.1:\(port)" }
    private let listener: Int32
    private let behaviour: Behaviour
    private let lock = NSLock()
    private var open: [Int32] = []
    private var stopped = false
    private var requestCount = 0
    private let acceptLoopDone = DispatchSemaphore(value: 0)

    public init(_ behaviour: Behaviour) throws {
        self.behaviour = behaviour
        let (listener, port) = try boundLoopbackSocket()
        guard listen(listener, 16) == 0 else {
            close(listener)
            throw FakeRegistryError.socket(errno)
        }
        self.listener = listener
        self.port = port
        Thread { [self] in acceptLoop() }.start()
    }

    /// How many requests arrived (a silent registry still counts the ones it read).
    public var requests: Int { lock.withLock { requestCount } }

    /// Stops listening, waits until the accept loop is over, then shuts every connection down. The
    /// listener is closed by the loop itself, and each connection by the thread that serves it,
    /// once its read sees the shutdown: a descriptor closed here while its thread still reads could
    /// be reused by another test's socket, whose bytes that thread would then take (a fake registry
    /// once read a reply meant for a client and answered it).
    public func stop() {
        let first: Bool = lock.withLock {
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        shutdown(listener, Int32(SHUT_RDWR))  // accept() fails from now on: nothing answers the port
        acceptLoopDone.wait()
        // Under the lock: a connection is closed (and leaves `open`) only under it too, so every
        // number shut down here is still this registry's.
        lock.withLock { for descriptor in open { shutdown(descriptor, Int32(SHUT_RDWR)) } }
    }

    private func acceptLoop() {
        defer {
            close(listener)
            acceptLoopDone.signal()
        }
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 { return }
            let keep: Bool = lock.withLock {
                if stopped { return false }
                open.append(connection)
                return true
            }
            if !keep { close(connection); return }
            Thread { [self] in serve(connection) }.start()
        }
    }

    private func serve(_ connection: Int32) {
        defer {
            lock.withLock {
                open.removeAll { $0 == connection }
                close(connection)
            }
        }
        var buffer = [UInt8](repeating: 0, count: 8192)
        var received: [UInt8] = []
        while true {
            let count = read(connection, &buffer, buffer.count)
            if count <= 0 { return }
            received += buffer[0..<count]
            guard let end = received.firstRange(of: Array("\r\n\r\n".utf8)) else { continue }
            let request = Array(received[0..<end.upperBound])
            received.removeSubrange(0..<end.upperBound)
            lock.withLock { requestCount += 1 }
            let requestLine = String(decoding: request.prefix { $0 != UInt8(ascii: "\r") }, as: UTF8.self)
            let asksForAManifest = (requestLine.hasPrefix("HEAD ") || requestLine.hasPrefix("GET ")) && requestLine.contains("/manifests/")
            let code: Int, headers: [String: String]
            var body = "{\"errors\":[{\"code\":\"FAKE\",\"message\":\"fake registry\"}]}"
            switch behaviour {
            case .silent: continue
            case .status(let status, let extra): (code, headers) = (status, extra)
            case .absentButRefusesPush:
                (code, headers) = asksForAManifest ? (404, [:]) : (401, ["WWW-Authenticate": "Basic realm=\"fake\""])
            case .serving(let answer):
                let words = requestLine.split(separator: " ").map(String.init)
                let reply = answer(words.first ?? "", words.count > 1 ? words[1] : "")
                (code, headers) = (reply.status, reply.headers)
                body = requestLine.hasPrefix("HEAD ") ? "" : reply.body
            }
            var reply = "HTTP/1.1 \(code) Fake\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
            for (name, value) in headers { reply += "\(name): \(value)\r\n" }
            reply += "\r\n" + body
            let bytes = Array(reply.utf8)
            _ = bytes.withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
        }
    }
}

public enum FakeRegistryError: Error {
    case socket(Int32)
}
