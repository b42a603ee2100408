/// What libpcap's `pcap_stats` says about a live capture since it began.
public struct KernelCaptureStatistics: Sendable, Hashable {
    /// Packets that passed the capture filter, dropped ones included (on Linux's `lo` each
    /// packet passes twice, once each way through the interface; libpcap keeps one).
    public var received: Int
    /// Packets the kernel dropped because the capture's buffer was full: it read too slowly.
    public var droppedByKernel: Int
    /// Packets the interface or its driver dropped (on Linux counted in promiscuous mode only,
    /// which a capture here does not ask for: 0).
    public var droppedByInterface: Int

    public init(received: Int, droppedByKernel: Int, droppedByInterface: Int) {
        self.received = received
        self.droppedByKernel = droppedByKernel
        self.droppedByInterface = droppedByInterface
    }

    /// One line, as tcpdump prints at its end.
    public var summaryLine: String {
        var line = "libpcap: \(received) packets received by the filter, \(droppedByKernel) dropped by the kernel"
        if droppedByInterface > 0 { line += ", \(droppedByInterface) dropped by the interface" }
        return line
    }
}
