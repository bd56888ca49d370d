import Foundation
import LinbuildTestFixtures
import Testing

@testable import LinbuildCLI
@testable import LinbuildSupport

/// The timestamps are written without ICU; they must read exactly as Foundation's formatters wrote them.
@Suite struct UTCTimeTests {
    /// Whole and fractional seconds (the formatters round to the millisecond, then down: .9994 stays,
    /// .9996 goes up), across months, leap days and years.
    static let dates: [Date] =
        [
            0, 0.999, 0.9994, 0.9996, 951_782_400.5, 1_709_164_799.999_4, 1_709_164_799.999_6, 1_764_211_328,
            1_798_761_599.75, 4_102_444_800,
        ]
        .map(Date.init(timeIntervalSince1970:))
        + (0..<200).map { _ in Date(timeIntervalSince1970: .random(in: 0..<4_102_444_800)) }

    @Test func internetDateTimeMatchesISO8601DateFormatter() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        for date in Self.dates {
            #expect(UTCTime.internetDateTime(date) == formatter.string(from: date), "\(date.timeIntervalSince1970)")
        }
        #expect(BuildCommand.timestamp(Date(timeIntervalSince1970: 1_764_211_328.9)) == "2025-11-27T02:42:08Z")
    }

    @Test func compactMatchesDateFormatterInUTC() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        for date in Self.dates {
            #expect(UTCTime.compact(date) == formatter.string(from: date), "\(date.timeIntervalSince1970)")
        }
        #expect(
            BuildCommand.runIdentifier(Date(timeIntervalSince1970: 1_764_211_328))
                == "20251127-024208-\(ProcessInfo.processInfo.processIdentifier)")
    }
}
