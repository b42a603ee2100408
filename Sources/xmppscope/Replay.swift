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
        let sink = output.makeSink(output: stdout)
        // Encoding and writing run on a second thread; a summary is cheap and needs the inspector's
        // connections at the end, so it stays here.
        let writer: any RecordSink = sink is SummaryReport ? sink : ThreadedRecordSink(sink)
        let inspector = Inspector(options: output.inspectorOptions) { writer.consume($0) }
        let outcome: ReplayPipeline.Outcome
        do {
            outcome = try ReplayPipeline.replay(path: file, into: inspector)
        } catch {
            FileHandleStandardError.write("error: \(error)\n")
            throw ExitCode(1)
        }
        if let summary = sink as? SummaryReport {
            summary.connections = { inspector.connections }
            summary.inputLines = { outcome.statistics?.summaryLines ?? ["\(outcome.bytes) bytes of XMPP text"] }
        }
        writer.finish()
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
