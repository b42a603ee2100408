/// The secret every request to the live view must carry (`?token=`): 192 random bits from the
/// system's generator, written URL-safe (base64url without padding, 32 characters).
public struct LiveAccessToken: Sendable, Hashable, CustomStringConvertible {
    /// The token as it stands in the URL.
    public let text: String

    /// A fresh token from `SystemRandomNumberGenerator`.
    public init() {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        for _ in 0..<3 {
            withUnsafeBytes(of: generator.next() as UInt64) { bytes.append(contentsOf: $0) }
        }
        text = Self.base64URL(bytes)
    }

    /// A given token (tests).
    init(text: String) { self.text = text }

    public var description: String { text }

    /// Whether `candidate` is this token, in time that depends only on the token's length, not on
    /// where the first difference lies.
    public func matches(_ candidate: Substring) -> Bool {
        let expected = Array(text.utf8)
        let given = Array(candidate.utf8)
        var difference = UInt8(truncatingIfNeeded: expected.count ^ given.count)
        if expected.count != given.count { difference |= 1 }
        for index in expected.indices {
            let byte = index < given.count ? given[index] : 0
            difference |= expected[index] ^ byte
        }
        return difference == 0
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// base64url (RFC 4648 §5) without padding; `bytes.count` a multiple of 3.
    private static func base64URL(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var index = 0
        while index + 2 < bytes.count {
            let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            for shift in stride(from: 18, through: 0, by: -6) {
                out.append(alphabet[Int((value >> UInt32(shift)) & 0x3F)])
            }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
