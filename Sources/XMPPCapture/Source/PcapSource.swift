internal import CPcap
import Synchronization
#if canImport(Glibc)
import Glibc
import XMPPBase
#endif

/// Reads packets through libpcap: a pcap or pcapng file, or a live interface.
public final class PcapSource {
    private let handle: OpaquePointer
    private let name: String
    private let isLive: Bool
    /// Whether ``stop()`` was called (once only: libpcap's wake-up descriptor is closed when the
    /// loop drains) and has finished with libpcap.
    private let stopState = Atomic<Int>(PcapSource.running)

    /// The stdio buffer a file is read through, when libpcap does not open it (see ``fileBufferSize``).
    private let fileBuffer: UnsafeMutableRawPointer?

    /// How much of a file each read takes: libpcap reads through stdio, whose 4 KiB buffer made
    /// a replay one `read` call (and page-cache walk) for every 4 KiB of capture.
    public static let fileBufferSize = 256 << 10

    /// Opens a pcap or pcapng file (libpcap detects which); `-` is standard input.
    public init(path: String) throws(CaptureError) {
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        let precision = UInt32(PCAP_TSTAMP_PRECISION_MICRO)
        if path != "-", let file = fopen(path, "rb") {
            // Opened here so that it reads through a larger buffer; libpcap closes it with the handle.
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: Self.fileBufferSize, alignment: 64)
            setvbuf(file, buffer.assumingMemoryBound(to: CChar.self), _IOFBF, Self.fileBufferSize)
            guard let handle = pcap_fopen_offline_with_tstamp_precision(file, precision, &errorBuffer) else {
                fclose(file)
                buffer.deallocate()
                throw .cannotOpen(path: path, reason: errorBuffer.decodedCString)
            }
            self.handle = handle
            fileBuffer = buffer
        } else {
            // Standard input, or a path fopen refused: libpcap opens it and says what went wrong.
            guard let handle = pcap_open_offline_with_tstamp_precision(path, precision, &errorBuffer) else {
                throw .cannotOpen(path: path, reason: errorBuffer.decodedCString)
            }
            self.handle = handle
            fileBuffer = nil
        }
        self.name = path
        self.isLive = false
    }

    /// The kernel buffer a live capture gets unless told otherwise: 16 MiB.
    public static let defaultBufferSize = 16 << 20

    /// Opens a live interface, with an optional BPF capture filter.
    ///
    /// Packets wait in a kernel buffer of `bufferSize` bytes until they are read; when it is full
    /// the kernel drops them (``kernelStatistics()`` counts them). Not immediate mode: on Linux
    /// that gives every packet a slot as large as the interface's largest packet (64 KiB on `lo`),
    /// so a 2 MiB buffer had 32 slots, 16 packets on `lo`, which puts each packet in twice. The
    /// kernel hands packets on in blocks (TPACKET_V3), a block that is not full 100 ms after its
    /// first packet; so when the reading stops, the buffer also runs out after about 0.4 s a MiB
    /// of traffic however slow, one block every 100 ms.
    public init(
        interface: String, filter: String?, bufferSize: Int = PcapSource.defaultBufferSize,
        snapshotLength: Int32 = 262_144
    ) throws(CaptureError) {
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        guard let handle = pcap_create(interface, &errorBuffer) else {
            throw .cannotCapture(interface: interface, reason: errorBuffer.decodedCString)
        }
        pcap_set_snaplen(handle, snapshotLength)
        pcap_set_buffer_size(handle, Int32(clamping: bufferSize))
        pcap_set_timeout(handle, Self.readTimeoutMilliseconds)
        _ = pcap_set_tstamp_precision(handle, Int32(PCAP_TSTAMP_PRECISION_MICRO))
        let status = pcap_activate(handle)
        if status < 0 {
            let reason = String(cString: pcap_geterr(handle))
            pcap_close(handle)
            throw .cannotCapture(interface: interface, reason: reason)
        }
        if let filter {
            var program = bpf_program()
            if pcap_compile(handle, &program, filter, 1, PCAP_NETMASK_UNKNOWN) != 0 {
                let reason = String(cString: pcap_geterr(handle))
                pcap_close(handle)
                throw .badFilter(filter: filter, reason: reason)
            }
            defer { pcap_freecode(&program) }
            if pcap_setfilter(handle, &program) != 0 {
                let reason = String(cString: pcap_geterr(handle))
                pcap_close(handle)
                throw .badFilter(filter: filter, reason: reason)
            }
        }
        self.handle = handle
        self.name = interface
        self.isLive = true
        fileBuffer = nil
    }

    deinit {
        pcap_close(handle)  // closes the file, which then no longer uses its buffer
        fileBuffer?.deallocate()
    }

    /// The link type of the capture (libpcap's DLT_ value).
    public var linkType: Int32 { pcap_datalink(handle) }

    /// Calls `body` for each packet until the file ends or, live, until ``stop()``.
    /// Throws ``CaptureError/truncated(path:packet:reason:)`` after delivering every readable packet.
    public func forEachPacket(_ body: (CapturedPacket) -> Void) throws(CaptureError) {
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        var number = 0
        let linkType = self.linkType
        var drainDeadline: UInt64?
        func deliver() {
            guard let header, let data else { return }
            number += 1
            body(CapturedPacket(
                number: number,
                timestamp: Timestamp(seconds: Int64(header.pointee.ts.tv_sec), microseconds: Int64(header.pointee.ts.tv_usec)),
                linkType: linkType,
                data: UnsafeRawBufferPointer(start: data, count: Int(header.pointee.caplen)),
                originalLength: Int(header.pointee.len)
            ))
        }
        while true {
            data = nil
            let status = pcap_next_ex(handle, &header, &data)
            switch status {
            case 1:
                deliver()
                // Stopping: the kernel may hand on packets faster than they are read.
                if let drainDeadline, Self.monotonicNanoseconds() >= drainDeadline { return }
            case 0:
                // Live: nothing to read for now (after the read timeout; or, stopping, at once).
                guard let drainDeadline else { continue }
                if Self.monotonicNanoseconds() >= drainDeadline { return }
                usleep(5_000)
            case -2:
                // The end of a file, or stop() on a live capture. libpcap may have handed on one
                // packet before it saw the stop.
                deliver()
                guard isLive, drainDeadline == nil else { return }
                // Live, the kernel hands packets on in blocks, a block that is not full only
                // after the read timeout: what came just before the stop is read first, without
                // waiting for more. Not before stop() has finished with libpcap's wake-up
                // descriptor, which making the handle non-blocking closes.
                while stopState.load(ordering: .acquiring) != Self.stopFinished { usleep(1_000) }
                drainDeadline = Self.monotonicNanoseconds() + Self.drainTime
                guard pcap_setnonblock(handle, 1, &errorBuffer) == 0 else { return }
            default:
                let reason = String(cString: pcap_geterr(handle))
                if isLive { throw .cannotCapture(interface: name, reason: reason) }
                throw .truncated(path: name, packet: number + 1, reason: reason)
            }
        }
    }

    /// What libpcap counted on a live capture so far (received, dropped); nil for a file.
    public func kernelStatistics() -> KernelCaptureStatistics? {
        guard isLive else { return nil }
        var statistics = pcap_stat()
        guard pcap_stats(handle, &statistics) == 0 else { return nil }
        return KernelCaptureStatistics(
            received: Int(statistics.ps_recv), droppedByKernel: Int(statistics.ps_drop),
            droppedByInterface: Int(statistics.ps_ifdrop)
        )
    }

    /// The read timeout: the kernel hands on a block that is not full this long after its first
    /// packet came.
    private static let readTimeoutMilliseconds: Int32 = 100

    /// How long a stopped live capture goes on reading what the kernel held back: two and a half
    /// read timeouts.
    private static let drainTime = UInt64(readTimeoutMilliseconds) * 2_500_000

    private static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    /// Makes ``forEachPacket(_:)`` return (live, after reading what the kernel still holds for
    /// 250 ms); safe to call from another thread, and more than once.
    public func stop() {
        guard stopState.compareExchange(expected: Self.running, desired: Self.stopping, ordering: .acquiringAndReleasing).exchanged
        else { return }
        pcap_breakloop(handle)
        stopState.store(Self.stopFinished, ordering: .releasing)
    }

    private static let running = 0
    private static let stopping = 1
    private static let stopFinished = 2
}

/// A handle to stop a live capture from another thread (a signal source, say).
///
/// Unchecked because the guarantee is libpcap's, which the compiler cannot see: `pcap_breakloop`
/// may be called from another thread while the capture loop runs. That call, once, behind an
/// atomic, is all this does; the loop touches the handle again only after it finished. The source
/// itself stays on its thread, and this keeps it alive, so a late stop (a timer firing after the
/// capture ended) never reaches a closed handle.
public struct PcapStopper: @unchecked Sendable {
    private let source: PcapSource
    public init(_ source: PcapSource) { self.source = source }
    public func stop() { source.stop() }
}

extension Array where Element == CChar {
    /// The NUL-terminated string libpcap wrote into an error buffer.
    var decodedCString: String {
        let bytes = prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
