import ArgumentParser
import Logging
import XMPPCore
import XMPPCapture
import XMPPInspect

/// `xmppscope replay FILE`
struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode a capture (pcap, pcapng) or a raw XMPP stream (an XML console dump).",
        discussion: """
            XMPP is recognised by content on any port. Both directions of every TCP connection are
            reassembled; each stanza is shown whole, with iq round trips and decoded errors.
            Examples:
              xmppscope replay session.pcapng
              xmppscope replay session.pcap --json > session.jsonl
              xmppscope replay console-dump.xml
              xmppscope replay session.pcap --summary
            """
    )

    @Argument(help: "A pcap or pcapng capture, or a file of XMPP stream text.")
    var file: String

    @OptionGroup var output: OutputOptions

    func run() throws {
        output.bootstrapLogging()
        let logger = Logger(label: "xmppscope.replay")
        let stdout = BufferedOutput()
        let (screen, sink, _) = try output.makePipeline(output: stdout)
        // Records are built, encoded and written on a second thread while this one frames. A
        // summary is cheap and reads the connections at the end, so it stays on this thread.
        let inspector: Inspector
        if screen is SummaryReport {
            inspector = Inspector(options: output.inspectorOptions) { sink.consume($0) }
        } else {
            inspector = Inspector.threaded(options: output.inspectorOptions, sink: { sink.consume($0) }, finish: { sink.finish() })
        }
        let outcome: Replayer.Outcome
        do {
            outcome = try Replayer.replay(path: file, into: inspector)
        } catch {
            throw CommandFailure.failed(error)
        }
        if let summary = screen as? SummaryReport {
            summary.connections = { inspector.connections }
            summary.inputLines = { outcome.statistics?.summaryLines ?? ["\(outcome.bytes) bytes of XMPP text"] }
            sink.finish()
        }
        stdout.flush()
        if let statistics = outcome.statistics {
            logger.debug("read \(statistics.packets) packets, \(statistics.connections) TCP connections")
        }
        if let failure = outcome.captureError {
            logger.error("\(failure)")
            throw ExitCode(2)
        }
    }
}
