#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A point in time with microsecond precision, as captures and the JSON Lines log carry it.
public struct Timestamp: Sendable, Hashable, Comparable {
    /// Microseconds since 1970-01-01T00:00:00Z.
    public var microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }

    /// Saturates at about ±73,000 years instead of trapping: a damaged or hostile capture can
    /// claim any time (a pcapng timestamp is 64 bits), and differences of two such timestamps
    /// must still fit.
    public init(seconds: Int64, microseconds: Int64) {
        let limit: Int64 = 1 << 61
        let (scaled, overflowed) = seconds.multipliedReportingOverflow(by: 1_000_000)
        guard !overflowed, abs(microseconds) <= limit, abs(scaled) <= limit else {
            self.microseconds = seconds < 0 || (seconds == 0 && microseconds < 0) ? -limit : limit
            return
        }
        self.microseconds = max(-limit, min(limit, scaled + microseconds))
    }

    /// The current wall-clock time.
    public static func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(seconds: Int64(spec.tv_sec), microseconds: Int64(spec.tv_nsec) / 1000)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.microseconds < rhs.microseconds }

    /// Milliseconds from `earlier` to this one.
    public func milliseconds(since earlier: Timestamp) -> Double {
        Double(microseconds - earlier.microseconds) / 1000
    }

    /// RFC 3339 in UTC with microseconds: `2026-11-25T02:13:14.123456Z`.
    public var rfc3339: String {
        let seconds = microseconds.floorDivided(by: 1_000_000)
        let fraction = microseconds - seconds * 1_000_000
        return Timestamp.secondsPrefix(seconds) + "." + Timestamp.pad(Int(fraction), 6) + "Z"
    }

    /// Whole seconds since the epoch (rounded down).
    public var wholeSeconds: Int64 { microseconds.floorDivided(by: 1_000_000) }

    /// `YYYY-MM-DDTHH:MM:SS` (UTC) of a second since the epoch.
    public static func secondsPrefix(_ seconds: Int64) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))"
            + "T\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2))"
    }

    /// The time of day in UTC, as numbers (POSIX time: every day has 86,400 seconds).
    public var clockTime: (hour: Int, minute: Int, second: Int, microsecond: Int) {
        let seconds = microseconds.floorDivided(by: 1_000_000)
        let microsecond = Int(microseconds - seconds * 1_000_000)
        let ofDay = Int(seconds - seconds.floorDivided(by: 86_400) * 86_400)
        return (ofDay / 3600, ofDay / 60 % 60, ofDay % 60, microsecond)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

extension Int64 {
    func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
