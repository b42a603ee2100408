public import XMPPBase

/// Asks a live capture, about once a second of capture time, whether the kernel has dropped
/// packets since it last asked: a capture that falls behind loses them silently otherwise.
public struct KernelDropWatch {
    /// How far apart, in microseconds of capture time, the checks are.
    public let interval: Int64
    private var nextCheck: Int64?
    /// Drops already reported.
    public private(set) var reported = 0

    public init(intervalMicroseconds: Int64 = 1_000_000) { self.interval = intervalMicroseconds }

    /// Called per packet; returns the drops since the last report, with the statistics, when
    /// a check is due and there are new ones.
    public mutating func check(_ source: PcapSource, at time: Timestamp) -> (new: Int, statistics: KernelCaptureStatistics)? {
        let now = time.microseconds
        if let nextCheck, now < nextCheck { return nil }
        nextCheck = now + interval
        return newDrops(source)
    }

    /// The drops since the last report, whatever the time (at the end of a capture, say).
    public mutating func newDrops(_ source: PcapSource) -> (new: Int, statistics: KernelCaptureStatistics)? {
        guard let statistics = source.kernelStatistics(), statistics.droppedByKernel > reported else { return nil }
        let new = statistics.droppedByKernel - reported
        reported = statistics.droppedByKernel
        return (new, statistics)
    }
}
