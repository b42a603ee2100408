import XMPPCore
public import XMPPCapture
#if canImport(Glibc)
import Glibc
import XMPPBase
#endif

/// Runs captured or recorded traffic through the inspector: a pcap/pcapng file or a live
/// interface through libpcap and TCP reassembly, or XMPP text as one raw stream.
public enum Replayer {
    /// What the replayer read.
    public struct Outcome: Sendable {
        public var kind: InputKind
        /// Capture inputs: packets and TCP counts.
        public var statistics: CaptureStatistics?
        /// Set when the capture broke off; everything before it was decoded.
        public var captureError: CaptureError?
        /// Live captures: what libpcap counted, read at the end.
        public var kernelStatistics: KernelCaptureStatistics?
        /// Text inputs: bytes read.
        public var bytes = 0
    }

    /// Replays a file of either kind into `inspector`. `failed` is told of a capture that broke
    /// off before the inspector is finished (so before a threaded output writes its end).
    public static func replay(path: String, into inspector: Inspector, failed: ((CaptureError) -> Void)? = nil) throws -> Outcome {
        let kind = try InputKind.detect(path: path)
        switch kind {
        case .capture:
            let source = try PcapSource(path: path)
            return run(source, into: inspector, failed: failed)
        case .xmlText:
            return try replayText(path: path, into: inspector)
        }
    }

    /// Runs packets from `source` (a file or a live interface) until it ends or is stopped.
    ///
    /// Live, `dropped` is told about once a second, while it goes on, of packets the kernel
    /// dropped because they were not read in time (the streams have gaps there), and once more at
    /// the end: the new drops and the totals. `failed` is told of a capture that broke off, before
    /// the inspector is finished.
    public static func run(
        _ source: PcapSource, into inspector: Inspector,
        dropped: ((Int, KernelCaptureStatistics) -> Void)? = nil, failed: ((CaptureError) -> Void)? = nil
    ) -> Outcome {
        let tracker = TCPConnectionTracker()
        var last = Timestamp(microseconds: 0)
        var failure: CaptureError?
        var watch = KernelDropWatch()
        do {
            try source.forEachPacket { packet in
                last = packet.timestamp
                tracker.process(packet, delegate: inspector)
                if let dropped, let drops = watch.check(source, at: packet.timestamp) { dropped(drops.new, drops.statistics) }
            }
        } catch {
            failure = error
        }
        if let dropped, let drops = watch.newDrops(source) { dropped(drops.new, drops.statistics) }
        if let failed, let failure { failed(failure) }
        tracker.finish(at: last, delegate: inspector)
        inspector.finishAll(at: last)
        return Outcome(
            kind: .capture, statistics: tracker.statistics, captureError: failure,
            kernelStatistics: source.kernelStatistics()
        )
    }

    static func replayText(path: String, into inspector: Inspector) throws(InputError) -> Outcome {
        guard let file = fopen(path, "rb") else {
            throw .cannotRead(path: path, reason: String(cString: strerror(errno)))
        }
        defer { fclose(file) }
        let time = Timestamp.now()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var total = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count == 0 { break }
            total += count
            buffer.withUnsafeBytes { inspector.feedRaw(UnsafeRawBufferPointer(rebasing: $0[..<count]), at: time) }
        }
        inspector.finishRaw(at: time)
        return Outcome(kind: .xmlText, statistics: nil, captureError: nil, bytes: total)
    }
}

extension CaptureStatistics {
    /// Lines for a summary: what was read and what was skipped.
    public var summaryLines: [String] {
        var lines = ["\(packets) packets, \(tcpSegments) TCP segments; \(retransmissions) retransmitted or duplicate segments dropped; \(missingBytes) bytes missing (gaps)"]
        let skippedTotal = skipped.values.reduce(0, +)
        if skippedTotal > 0 {
            lines.append("skipped \(skippedTotal) packets: " + skipped.sorted { $0.key.rawValue < $1.key.rawValue }
                .map { "\($0.key.rawValue) ×\($0.value)" }.joined(separator: ", "))
        }
        if outOfWindow > 0 { lines.append("\(outOfWindow) segments far outside the TCP window ignored") }
        return lines
    }
}
