import Foundation

/// libcurl's easy interface, looked up with `dlopen` the first time linbuild talks HTTP. Linking
/// it (as FoundationNetworking does) costs every run ~30 shared objects and their initialisers,
/// `--version` and `--dry-run` included; loading it here costs only the runs that ask a registry
/// or package index, and a machine without libcurl4 can still plan and build.
///
/// `curl_easy_setopt` and `curl_easy_getinfo` are variadic; Swift cannot call C variadics, so
/// each is looked up once and called through fixed-argument types, one per kind of argument
/// (long, pointer, callback). On x86-64 and aarch64 Linux a variadic integer or pointer
/// argument is passed exactly as a fixed one.
final class CurlLibrary: @unchecked Sendable {
    typealias Handle = OpaquePointer
    typealias DataCallback = @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int
    typealias SetLong = @convention(c) (Handle?, Int32, Int) -> Int32
    typealias SetPointer = @convention(c) (Handle?, Int32, UnsafeRawPointer?) -> Int32
    typealias SetCallback = @convention(c) (Handle?, Int32, DataCallback?) -> Int32
    typealias GetLong = @convention(c) (Handle?, Int32, UnsafeMutablePointer<Int>) -> Int32

    /// The soname Debian's libcurl4 (and every other distribution's) installs.
    static let soname = "libcurl.so.4"

    let initHandle: @convention(c) () -> Handle?
    let reset: @convention(c) (Handle?) -> Void
    let cleanup: @convention(c) (Handle?) -> Void
    let perform: @convention(c) (Handle?) -> Int32
    let setLong: SetLong
    let setPointer: SetPointer
    let setCallback: SetCallback
    let getLong: GetLong
    let strerror: @convention(c) (Int32) -> UnsafePointer<CChar>?
    let slistAppend: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?) -> OpaquePointer?
    let slistFreeAll: @convention(c) (OpaquePointer?) -> Void

    /// The system's libcurl, loaded once per process; a missing library is remembered as the error.
    static let system: Result<CurlLibrary, HTTPTransportError> = load(soname)

    static func load(_ name: String) -> Result<CurlLibrary, HTTPTransportError> {
        guard let library = dlopen(name, RTLD_NOW | RTLD_LOCAL) else {
            return .failure(
                HTTPTransportError(
                    "\(name) is not installed, and linbuild needs it to talk to registries and package indexes: install libcurl4 (apt-get install libcurl4)"
                ))
        }
        func symbol<T>(_ symbolName: String, as type: T.Type) throws -> T {
            guard let address = dlsym(library, symbolName) else {
                throw HTTPTransportError("\(name) has no \(symbolName): install libcurl4 7.17 or newer (apt-get install libcurl4)")
            }
            return unsafeBitCast(address, to: type)
        }
        do {
            let global = try symbol("curl_global_init", as: (@convention(c) (Int) -> Int32).self)
            let curl = CurlLibrary(
                initHandle: try symbol("curl_easy_init", as: (@convention(c) () -> Handle?).self),
                reset: try symbol("curl_easy_reset", as: (@convention(c) (Handle?) -> Void).self),
                cleanup: try symbol("curl_easy_cleanup", as: (@convention(c) (Handle?) -> Void).self),
                perform: try symbol("curl_easy_perform", as: (@convention(c) (Handle?) -> Int32).self),
                setLong: try symbol("curl_easy_setopt", as: SetLong.self),
                setPointer: try symbol("curl_easy_setopt", as: SetPointer.self),
                setCallback: try symbol("curl_easy_setopt", as: SetCallback.self),
                getLong: try symbol("curl_easy_getinfo", as: GetLong.self),
                strerror: try symbol("curl_easy_strerror", as: (@convention(c) (Int32) -> UnsafePointer<CChar>?).self),
                slistAppend: try symbol(
                    "curl_slist_append", as: (@convention(c) (OpaquePointer?, UnsafePointer<CChar>?) -> OpaquePointer?).self),
                slistFreeAll: try symbol("curl_slist_free_all", as: (@convention(c) (OpaquePointer?) -> Void).self))
            // Not thread-safe in older libcurl, so done once here (under Swift's static-let once)
            // rather than implicitly by the first curl_easy_init. CURL_GLOBAL_ALL = 3.
            guard global(3) == 0 else { return .failure(HTTPTransportError("\(name) failed to initialise")) }
            return .success(curl)
        } catch let error as HTTPTransportError {
            return .failure(error)
        } catch {
            return .failure(HTTPTransportError("\(error)"))
        }
    }

    private init(
        initHandle: @escaping @convention(c) () -> Handle?, reset: @escaping @convention(c) (Handle?) -> Void,
        cleanup: @escaping @convention(c) (Handle?) -> Void, perform: @escaping @convention(c) (Handle?) -> Int32,
        setLong: @escaping SetLong, setPointer: @escaping SetPointer, setCallback: @escaping SetCallback,
        getLong: @escaping GetLong, strerror: @escaping @convention(c) (Int32) -> UnsafePointer<CChar>?,
        slistAppend: @escaping @convention(c) (OpaquePointer?, UnsafePointer<CChar>?) -> OpaquePointer?,
        slistFreeAll: @escaping @convention(c) (OpaquePointer?) -> Void
    ) {
        self.initHandle = initHandle
        self.reset = reset
        self.cleanup = cleanup
        self.perform = perform
        self.setLong = setLong
        self.setPointer = setPointer
        self.setCallback = setCallback
        self.getLong = getLong
        self.strerror = strerror
        self.slistAppend = slistAppend
        self.slistFreeAll = slistFreeAll
    }
}

/// The option and info numbers used, from curl/curl.h (stable ABI: they never change meaning).
enum CurlOption {
    static let writeData: Int32 = 10001
    static let url: Int32 = 10002
    static let errorBuffer: Int32 = 10010
    static let writeFunction: Int32 = 20011
    static let httpHeader: Int32 = 10023
    static let headerData: Int32 = 10029
    static let customRequest: Int32 = 10036
    static let noBody: Int32 = 44
    static let followLocation: Int32 = 52
    static let maxRedirects: Int32 = 68
    static let httpGet: Int32 = 80
    static let noSignal: Int32 = 99
    static let headerFunction: Int32 = 20079
    static let timeoutMilliseconds: Int32 = 155
    static let protocols: Int32 = 181
    static let redirectProtocols: Int32 = 182
    /// CURLINFO_LONG + 2.
    static let responseCode: Int32 = 0x200000 + 2
    /// CURLINFO_LONG + 25: the errno of a failed connect.
    static let osErrno: Int32 = 0x200000 + 25
    /// CURLPROTO_HTTP | CURLPROTO_HTTPS.
    static let httpAndHTTPS = 1 | 2
    static let errorSize = 256
}
