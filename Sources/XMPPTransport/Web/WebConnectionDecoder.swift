public import XMPPBase

/// One TCP connection's HTTP/1.1 and WebSocket layers, read passively: the bytes of each direction
/// in (in order, decrypted if they were TLS), ``WebEvent``s out. Requests and responses are paired
/// by order (keep-alive, pipelining); after a `101` to a WebSocket upgrade both directions carry
/// frames. No I/O, no threads; fed from one place.
public final class WebConnectionDecoder {
    public let limits: WebLimits

    public init(limits: WebLimits = .default) {
        self.limits = limits
    }

    /// The next bytes of one direction.
    public func feed(_ direction: Direction, _ bytes: UnsafeRawBufferPointer, emit: (WebEvent) -> Void) {
        // Implemented in the web-decoding work (issue 12).
    }

    /// `missing` bytes of one direction were never seen.
    public func gap(_ direction: Direction, missing: Int, emit: (WebEvent) -> Void) {
    }

    /// The connection ended: reports what was left unfinished.
    public func finish(emit: (WebEvent) -> Void) {
    }

    /// Whether a connection's first client bytes begin an HTTP/1.x request (a method, a target,
    /// `HTTP/1.`): nil while too few bytes are in to say.
    public static func startsHTTPRequest(_ bytes: [UInt8]) -> Bool? {
        // method SP target SP "HTTP/1." — the method a token of upper-case letters.
        var index = 0
        var methodLength = 0
        while index < bytes.count, bytes[index] >= 0x41 && bytes[index] <= 0x5A {
            index += 1
            methodLength += 1
            if methodLength > 16 { return false }
        }
        guard index < bytes.count else { return nil }
        guard methodLength > 0, bytes[index] == 0x20 else { return false }
        index += 1
        let targetStart = index
        while index < bytes.count, bytes[index] > 0x20, bytes[index] < 0x7F {
            index += 1
            if index - targetStart > 8192 { return false }
        }
        guard index < bytes.count else { return nil }
        guard index > targetStart, bytes[index] == 0x20 else { return false }
        index += 1
        let version = Array("HTTP/1.".utf8)
        for expected in version {
            guard index < bytes.count else { return nil }
            guard bytes[index] == expected else { return false }
            index += 1
        }
        return true
    }
}
