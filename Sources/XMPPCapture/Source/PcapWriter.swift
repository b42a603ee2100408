internal import CPcap
public import XMPPBase

/// Writes packets to a pcap file through libpcap (`pcap_dump`): test fixtures and exports.
public final class PcapWriter {
    private let dead: OpaquePointer
    private let dumper: OpaquePointer

    /// Creates `path` for packets of `linkType` (libpcap's DLT_ value; `LinkType.ethernet` by default).
    public init(path: String, linkType: Int32 = LinkType.ethernet) throws(CaptureError) {
        guard let dead = pcap_open_dead(linkType, 262_144) else {
            throw .cannotOpen(path: path, reason: "libpcap could not create a writer")
        }
        guard let dumper = pcap_dump_open(dead, path) else {
            let reason = String(cString: pcap_geterr(dead))
            pcap_close(dead)
            throw .cannotOpen(path: path, reason: reason)
        }
        self.dead = dead
        self.dumper = dumper
    }

    deinit {
        pcap_dump_close(dumper)
        pcap_close(dead)
    }

    /// Appends one packet; `originalLength` larger than `bytes` records a snaplen-truncated packet.
    public func write(_ bytes: [UInt8], at timestamp: Timestamp, originalLength: Int? = nil) {
        var header = pcap_pkthdr()
        header.ts.tv_sec = Int(timestamp.microseconds / 1_000_000)
        header.ts.tv_usec = Int(timestamp.microseconds % 1_000_000)
        header.caplen = UInt32(bytes.count)
        header.len = UInt32(originalLength ?? bytes.count)
        bytes.withUnsafeBufferPointer { buffer in
            pcap_dump(UnsafeMutableRawPointer(dumper).assumingMemoryBound(to: UInt8.self), &header, buffer.baseAddress)
        }
    }

    /// Flushes buffered packets to the file.
    public func flush() { pcap_dump_flush(dumper) }
}

/// libpcap's link types that the decoder reads.
public enum LinkType {
    public static let null = Int32(xmppscope_dlt_null)
    public static let ethernet = Int32(xmppscope_dlt_en10mb)
    public static let raw = Int32(xmppscope_dlt_raw)
    public static let loop = Int32(xmppscope_dlt_loop)
    public static let linuxSLL = Int32(xmppscope_dlt_linux_sll)
    public static let linuxSLL2 = Int32(xmppscope_dlt_linux_sll2)
    public static let ipv4 = Int32(xmppscope_dlt_ipv4)
    public static let ipv6 = Int32(xmppscope_dlt_ipv6)
}
