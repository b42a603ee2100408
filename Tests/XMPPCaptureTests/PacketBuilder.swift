import XMPPCapture

/// Builds IPv4/IPv6 TCP packets under each link layer, for writing test captures with libpcap.
struct PacketBuilder {
    enum Family { case v4, v6 }

    var family: Family = .v4

    func tcp(sourcePort: UInt16, destinationPort: UInt16, sequence: UInt32, acknowledgement: UInt32,
             flags: UInt8, payload: [UInt8]) -> [UInt8] {
        var header: [UInt8] = []
        header += be16(sourcePort) + be16(destinationPort) + be32(sequence) + be32(acknowledgement)
        header += [0x50, flags] + be16(65535) + [0, 0, 0, 0]
        return header + payload
    }

    /// An IP packet carrying `segment`; `hopByHop` adds an IPv6 extension header before TCP.
    func ip(_ segment: [UInt8], source: UInt8 = 1, destination: UInt8 = 2, hopByHop: Bool = false) -> [UInt8] {
        switch family {
        case .v4:
            var header: [UInt8] = [0x45, 0] + be16(UInt16(20 + segment.count)) + [0, 1, 0x40, 0, 64, 6, 0, 0]
            header += [10, 0, 0, source, 10, 0, 0, destination]
            return header + segment
        case .v6:
            let extensionHeader: [UInt8] = hopByHop ? [6, 0, 1, 4, 0, 0, 0, 0] : []
            var header: [UInt8] = [0x60, 0, 0, 0] + be16(UInt16(segment.count + extensionHeader.count))
            header += [hopByHop ? 0 : 6, 64]
            header += [UInt8](repeating: 0, count: 15) + [source] + [UInt8](repeating: 0, count: 15) + [destination]
            return header + extensionHeader + segment
        }
    }

    /// Wraps an IP packet in the link header of `linkType`.
    func frame(_ ip: [UInt8], linkType: Int32, vlanTags: Int = 0) -> [UInt8] {
        let etherType: [UInt8] = family == .v4 ? [0x08, 0x00] : [0x86, 0xDD]
        switch linkType {
        case LinkType.ethernet:
            var header = [UInt8](repeating: 0xAA, count: 6) + [UInt8](repeating: 0xBB, count: 6)
            for _ in 0..<vlanTags { header += [0x81, 0x00, 0x00, 0x2A] }
            return header + etherType + ip
        case LinkType.linuxSLL:
            return [0, 0, 0, 1, 0, 6] + [UInt8](repeating: 0xCC, count: 8) + etherType + ip
        case LinkType.linuxSLL2:
            return etherType + [0, 0] + [0, 0, 0, 1] + [0, 1] + [0] + [6] + [UInt8](repeating: 0xCC, count: 8) + ip
        case LinkType.null:
            return (family == .v4 ? [2, 0, 0, 0] : [10, 0, 0, 0]) + ip  // little-endian AF_INET / Linux AF_INET6
        case LinkType.loop:
            return (family == .v4 ? [0, 0, 0, 2] : [0, 0, 0, 30]) + ip  // big-endian
        default:
            return ip  // raw IP
        }
    }

    private func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
    private func be32(_ value: UInt32) -> [UInt8] { [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)] }
}
