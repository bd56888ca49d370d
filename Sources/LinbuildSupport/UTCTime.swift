import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// UTC times written with the C library's `gmtime_r` and `strftime`. Foundation's
/// `ISO8601DateFormatter` and `DateFormatter` go through ICU, whose set-up cost every plan paid for
/// one timestamp; the output is the same (a test compares them).
public enum UTCTime {
    /// `2026-11-27T02:42:08Z`, as `ISO8601DateFormatter` with `.withInternetDateTime` writes it.
    public static func internetDateTime(_ date: Date) -> String { format(date, "%Y-%m-%dT%H:%M:%SZ") }

    /// `20261127-024208`: sorts by time.
    public static func compact(_ date: Date) -> String { format(date, "%Y%m%d-%H%M%S") }

    /// Whole seconds as the formatters count them: rounded to the millisecond, then down.
    private static func format(_ date: Date, _ pattern: String) -> String {
        var seconds = time_t(((date.timeIntervalSince1970 * 1000).rounded() / 1000).rounded(.down))
        var parts = tm()
        guard gmtime_r(&seconds, &parts) != nil else { return "" }
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, pattern, &parts)
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
