
/// Decodes link layer (Ethernet with VLAN tags, Linux cooked SLL/SLL2, BSD loopback/NULL, raw IP),
/// IPv4/IPv6 and TCP headers. It reads header fields only; libpcap reads the file.
public enum PacketDecoder {
    /// The TCP segment in `packet`, or why there is none.
    public static func decode(_ packet: CapturedPacket) -> Result<TCPSegment, PacketSkipReason> {
        let bytes = packet.data
        guard let (network, offset) = networkLayer(bytes, linkType: packet.linkType) else {
            return .failure(linkTypeSupported(packet.linkType) ? .notIP : .unsupportedLinkType)
        }
        let ip = UnsafeRawBufferPointer(rebasing: bytes[offset...])
        let parsed: Result<(IPAddress, IPAddress, Int, Int), PacketSkipReason>
        switch network {
        case .v4: parsed = ipv4(ip)
        case .v6: parsed = ipv6(ip)
        }
        guard case .success(let (source, destination, tcpOffset, tcpLength)) = parsed else {
            if case .failure(let reason) = parsed { return .failure(reason) }
            return .failure(.malformed)
        }
        let tcp = UnsafeRawBufferPointer(rebasing: ip[tcpOffset...])
        guard tcp.count >= 20 else { return .failure(.malformed) }
        let headerLength = Int(tcp[12] >> 4) * 4
        guard headerLength >= 20, tcp.count >= headerLength, tcpLength >= headerLength else { return .failure(.malformed) }
        let payloadLength = tcpLength - headerLength
        let captured = min(payloadLength, tcp.count - headerLength)
        return .success(TCPSegment(
            packet: packet.number,
            timestamp: packet.timestamp,
            source: Endpoint(address: source, port: tcp.uint16(at: 0)),
            destination: Endpoint(address: destination, port: tcp.uint16(at: 2)),
            sequence: tcp.uint32(at: 4),
            acknowledgement: tcp.uint32(at: 8),
            flags: TCPFlags(rawValue: tcp[13] & 0x1F),
            payload: UnsafeRawBufferPointer(rebasing: tcp[headerLength..<(headerLength + captured)]),
            payloadLength: payloadLength
        ))
    }

    enum Network { case v4, v6 }

    static func linkTypeSupported(_ linkType: Int32) -> Bool {
        [LinkType.ethernet, LinkType.linuxSLL, LinkType.linuxSLL2, LinkType.null, LinkType.loop,
         LinkType.raw, 101, LinkType.ipv4, LinkType.ipv6].contains(linkType)
    }

    /// The network protocol and where its header starts.
    static func networkLayer(_ bytes: UnsafeRawBufferPointer, linkType: Int32) -> (Network, Int)? {
        switch linkType {
        case LinkType.ethernet:
            guard bytes.count >= 14 else { return nil }
            var offset = 12
            var etherType = bytes.uint16(at: offset)
            // 802.1Q, 802.1ad and the old QinQ tag: skip each 4-byte tag.
            while etherType == 0x8100 || etherType == 0x88A8 || etherType == 0x9100 {
                offset += 4
                guard bytes.count >= offset + 2 else { return nil }
                etherType = bytes.uint16(at: offset)
            }
            return etherNetwork(etherType).map { ($0, offset + 2) }
        case LinkType.linuxSLL:
            guard bytes.count >= 16 else { return nil }
            return etherNetwork(bytes.uint16(at: 14)).map { ($0, 16) }
        case LinkType.linuxSLL2:
            guard bytes.count >= 20 else { return nil }
            return etherNetwork(bytes.uint16(at: 0)).map { ($0, 20) }
        case LinkType.null, LinkType.loop:
            guard bytes.count >= 4 else { return nil }
            // The address family, in the capturing host's byte order (NULL) or big-endian (LOOP).
            let big = UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3])
            let little = UInt32(bytes[3]) << 24 | UInt32(bytes[2]) << 16 | UInt32(bytes[1]) << 8 | UInt32(bytes[0])
            let family = min(big, little)
            switch family {
            case 2: return (.v4, 4)
            case 10, 23, 24, 28, 30: return (.v6, 4)
            default: return nil
            }
        case LinkType.raw, 101, LinkType.ipv4, LinkType.ipv6:
            guard let first = bytes.first else { return nil }
            switch first >> 4 {
            case 4: return (.v4, 0)
            case 6: return (.v6, 0)
            default: return nil
            }
        default:
            return nil
        }
    }

    static func etherNetwork(_ etherType: UInt16) -> Network? {
        switch etherType {
        case 0x0800: return .v4
        case 0x86DD: return .v6
        default: return nil
        }
    }

    /// Source, destination, TCP header offset and TCP length (header + payload) of an IPv4 packet.
    static func ipv4(_ ip: UnsafeRawBufferPointer) -> Result<(IPAddress, IPAddress, Int, Int), PacketSkipReason> {
        guard ip.count >= 20, ip[0] >> 4 == 4 else { return .failure(.malformed) }
        let headerLength = Int(ip[0] & 0x0F) * 4
        let totalLength = Int(ip.uint16(at: 2))
        guard headerLength >= 20, ip.count >= headerLength, totalLength >= headerLength else { return .failure(.malformed) }
        guard ip[9] == 6 else { return .failure(.notTCP) }
        let fragment = ip.uint16(at: 6)
        if fragment & 0x3FFF != 0 { return .failure(.ipFragment) }  // more fragments, or an offset
        return .success((.v4(ip.uint32(at: 12)), .v4(ip.uint32(at: 16)), headerLength, totalLength - headerLength))
    }

    /// The same for IPv6, walking extension headers to TCP.
    static func ipv6(_ ip: UnsafeRawBufferPointer) -> Result<(IPAddress, IPAddress, Int, Int), PacketSkipReason> {
        guard ip.count >= 40, ip[0] >> 4 == 6 else { return .failure(.malformed) }
        let payloadLength = Int(ip.uint16(at: 4))
        var next = ip[6]
        var offset = 40
        while true {
            switch next {
            case 6:
                let source = IPAddress.v6(ip.uint64(at: 8), ip.uint64(at: 16))
                let destination = IPAddress.v6(ip.uint64(at: 24), ip.uint64(at: 32))
                let tcpLength = payloadLength - (offset - 40)
                guard tcpLength >= 0 else { return .failure(.malformed) }
                return .success((source, destination, offset, tcpLength))
            case 0, 43, 60:  // hop-by-hop, routing, destination options
                guard ip.count >= offset + 2 else { return .failure(.malformed) }
                next = ip[offset]
                offset += (Int(ip[offset + 1]) + 1) * 8
            case 44:
                return .failure(.ipFragment)
            default:
                return .failure(.notTCP)
            }
        }
    }
}

extension UnsafeRawBufferPointer {
    func uint16(at offset: Int) -> UInt16 { UInt16(self[offset]) << 8 | UInt16(self[offset + 1]) }
    func uint32(at offset: Int) -> UInt32 { UInt32(uint16(at: offset)) << 16 | UInt32(uint16(at: offset + 2)) }
    func uint64(at offset: Int) -> UInt64 { UInt64(uint32(at: offset)) << 32 | UInt64(uint32(at: offset + 4)) }
}
