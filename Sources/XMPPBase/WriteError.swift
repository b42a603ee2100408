#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why bytes could not all be written to a file descriptor.
public enum WriteError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `write(2)` failed with this `errno` (EPIPE: the reader is gone; ENOSPC: the disk is full).
    case failed(errno: Int32)
    /// `write(2)` returned 0 for a non-empty buffer, so retrying would loop for ever.
    case noProgress

    /// What `strerror` says, as the tool's messages have always shown it.
    public var description: String {
        switch self {
        case .failed(let number): return String(cString: strerror(number))
        case .noProgress: return "nothing could be written"
        }
    }
}
