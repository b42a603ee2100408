import ArgumentParser
import Dispatch
import Logging
import XMPPCore
import XMPPCapture
import XMPPInspect
import XMPPReport

/// `xmppscope capture -i IFACE`
struct Capture: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "Decode XMPP live from a network interface (libpcap), until Ctrl-C.",
        discussion: """
            Needs root or CAP_NET_RAW. Connections already open when the capture starts are \
            decoded from their next stanza on.

            Example:
              xmppscope capture -i lo --port 5222
            """
    )

    @Option(name: [.customShort("i"), .long], help: "The interface to capture on (lo, eth0, any).")
    var interface: String

    @Option(name: .long, help: "Only TCP traffic on this port (a BPF filter 'tcp port N').")
    var port: Int?

    @Option(name: .customLong("capture-filter"), help: "A BPF capture filter (as tcpdump takes), instead of --port.")
    var captureFilter: String?

    @Option(name: .long, help: "Stop after this many seconds.")
    var duration: Double?

    @Option(name: .customLong("buffer-size"),
            help: ArgumentHelp("The kernel's buffer for packets not yet read, in MiB (default 16). When it is full the kernel drops packets: a warning says so, and the count is printed at the end. The kernel hands packets on in blocks, one at least every 100 ms, so a capture that stops reading keeps about 0.4 s of traffic a MiB, more when packets come fast.", valueName: "mib"))
    var bufferSize: Int = PcapSource.defaultBufferSize >> 20

    @OptionGroup var output: OutputOptions

    @OptionGroup var liveView: LiveViewOptions

    func validate() throws {
        if port != nil && captureFilter != nil { throw ValidationError("Give --port or --capture-filter, not both.") }
        if let port, !(1...65535).contains(port) { throw ValidationError("--port must be between 1 and 65535.") }
        if let duration, duration <= 0 { throw ValidationError("--duration must be positive.") }
        if !(1...2047).contains(bufferSize) { throw ValidationError("--buffer-size must be between 1 and 2047 (MiB).") }
    }

    func run() throws {
        output.bootstrapLogging()
        let logger = Logger(label: "xmppscope.capture")
        let bpf = captureFilter ?? port.map { "tcp port \($0)" } ?? "tcp"
        let source: PcapSource
        do {
            source = try PcapSource(interface: interface, filter: bpf, bufferSize: bufferSize << 20)
        } catch {
            throw CommandFailure.failed(error)
        }
        let stopper = PcapStopper(source)
        let signals = onTerminationSignals { stopper.stop() }
        if let duration {
            DispatchQueue.global().asyncAfter(deadline: .now() + duration) { stopper.stop() }
        }
        logger.notice("capturing on \(interface) with filter '\(bpf)'; Ctrl-C to stop")

        let stdout = BufferedOutput()
        let live = try liveView.start(title: "xmppscope capture on \(interface)", generator: "xmppscope \(XMPPScope.configuration.version)")
        let (screen, sink, logFile) = try output.makeSinkChain(output: stdout, beside: live?.sink)
        let flushEachRecord = !output.summary
        let keyLog = try output.makeKeyLog(mayGrow: true)
        let inspector = Inspector(options: output.inspectorOptions, keyLog: keyLog) { record in
            sink.consume(record)
            if flushEachRecord {
                stdout.flush()
                logFile?.flush()
            }
            live?.sink.flush()
        }
        // libpcap counts both copies of a packet on lo (it keeps the incoming one).
        let countsTwice = interface == "lo" ? "; on lo each packet is counted twice, once each way" : ""
        let outcome = Replayer.run(source, into: inspector) { new, statistics in
            logger.warning("the kernel dropped \(new) packets that were not read in time (\(statistics.droppedByKernel) of \(statistics.received) so far, by libpcap's count\(countsTwice)): the streams lose what they carried; a larger --buffer-size or a narrower filter helps")
        }
        if let summary = screen as? SummaryReport {
            summary.connections = { inspector.connections }
            summary.inputLines = { (outcome.statistics?.summaryLines ?? []) + (outcome.kernelStatistics.map { [$0.summaryLine] } ?? []) }
        }
        sink.finish()
        stdout.flush()
        if let statistics = outcome.kernelStatistics { logger.notice("\(statistics.summaryLine)\(countsTwice)") }
        live?.server.stop()
        signals.forEach { $0.cancel() }
        if let failure = outcome.captureError {
            logger.error("\(failure)")
            throw ExitCode(2)
        }
    }
}
