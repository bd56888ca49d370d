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

    /// `2026-11-27T02:42:08Z` (what `internetDateTime` writes, fractions of a second allowed) back
    /// to a date; nil for anything else, offsets other than `Z` included.
    public static func parseInternetDateTime(_ text: String) -> Date? {
        var body = Substring(text)
        guard body.hasSuffix("Z") else { return nil }
        body = body.dropLast()
        if let dot = body.firstIndex(of: ".") {
            guard body[body.index(after: dot)...].allSatisfy(\.isASCIIDigit) else { return nil }
            body = body[..<dot]
        }
        let fields = body.split(whereSeparator: { "-T:".contains($0) }).map { Int($0) }
        guard fields.count == 6, fields.allSatisfy({ $0 != nil }), body.count == 19 else { return nil }
        var parts = tm()
        parts.tm_year = Int32(fields[0]! - 1900)
        parts.tm_mon = Int32(fields[1]! - 1)
        parts.tm_mday = Int32(fields[2]!)
        parts.tm_hour = Int32(fields[3]!)
        parts.tm_min = Int32(fields[4]!)
        parts.tm_sec = Int32(fields[5]!)
        return Date(timeIntervalSince1970: Double(timegm(&parts)))
    }

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
