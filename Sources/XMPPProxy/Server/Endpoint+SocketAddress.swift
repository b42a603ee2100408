import NIOCore
import XMPPCapture

extension Endpoint {
    /// A NIO socket address as an endpoint (0.0.0.0:0 when unknown).
    init(_ address: SocketAddress?) {
        switch address {
        case .v4(let v4)?:
            self.init(address: .v4(UInt32(bigEndian: v4.address.sin_addr.s_addr)), port: UInt16(address?.port ?? 0))
        case .v6(let v6)?:
            let bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
            let high = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let low = bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            self.init(address: .v6(high, low), port: UInt16(address?.port ?? 0))
        default:
            self.init(address: .v4(0), port: 0)
        }
    }

    /// An upstream given by name: its address when it is a literal IPv4 one.
    init(host: String, port: Int) {
        let parts = host.split(separator: ".").compactMap { UInt32($0) }
        let value = parts.count == 4 && parts.allSatisfy { $0 < 256 } ? parts.reduce(0) { $0 << 8 | $1 } : 0
        self.init(address: .v4(value), port: UInt16(clamping: port))
    }
}
