import ArgumentParser
import Logging
import XMPPCore
import XMPPCapture
import XMPPInspect

/// `xmppscope replay FILE`
struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Decode a capture (pcap, pcapng) or a raw XMPP stream (an XML console dump).",
        discussion: """
            XMPP is recognised by content on any port. Both directions of every TCP \
            connection are reassembled; each stanza is shown whole, with iq round trips and \
            decoded errors. An element's namespace is labelled with its short name and spec \
            (roster · RFC 6121); the spec's full title follows the first time the spec is \
            named in the output, and every time with --explain.

            Examples:
              xmppscope replay session.pcapng
              xmppscope replay session.pcap --json > session.jsonl
              xmppscope replay console-dump.xml
              xmppscope replay session.pcap --summary
              xmppscope replay session.pcapng --keylog keys.txt   # TLS decrypted
            """
    )

    @Argument(help: "A pcap or pcapng capture, or a file of XMPP stream text.")
    var file: String

    @OptionGroup var output: OutputOptions

    func run() throws {
        output.bootstrapLogging()
        MallocTopPad.apply()
        let stdout = BufferedOutput()
        let (screen, sink, _) = try output.makeSinkChain(output: stdout)
        if let summary = screen as? SummaryReport {
            // Records are counted on the records thread as for the other outputs, and the report
            // is written there once the connections are known; the lines about the input come
            // last, from this thread, once the replay has returned.
            let inspector = Inspector.pipelined(options: output.inspectorOptions, keyLog: try output.makeKeyLog(mayGrow: false)?.snapshot(), output: RecordOutput(
                record: { sink.consume($0) },
                finish: { connections in
                    summary.connections = { connections }
                    sink.finish()
                    stdout.flush()
                }
            ))
            let outcome = try replay(into: inspector)
            let tail = BufferedOutput()
            for line in outcome.statistics?.summaryLines ?? ["\(outcome.bytes) bytes of XMPP text"] { tail.write(line + "\n") }
            tail.flush()
            try report(outcome)
        } else {
            // This thread reads and reassembles, a second frames, and a third builds, encodes
            // and writes the records: it owns the output from here on, and flushes it at the end.
            let inspector = Inspector.pipelined(options: output.inspectorOptions, keyLog: try output.makeKeyLog(mayGrow: false)?.snapshot(), output: RecordOutput(
                record: { sink.consume($0) },
                finish: { _ in
                    sink.finish()
                    stdout.flush()
                }
            ))
            try report(try replay(into: inspector))
        }
    }

    /// Replays the file into `inspector`; exits 1 with a message when it cannot be read.
    private func replay(into inspector: Inspector) throws -> Replayer.Outcome {
        do {
            return try Replayer.replay(path: file, into: inspector)
        } catch {
            throw CommandFailure.failed(error)
        }
    }

    /// Says what was read; exits 2 when the capture is damaged.
    private func report(_ outcome: Replayer.Outcome) throws {
        let logger = Logger(label: "xmppscope.replay")
        if let statistics = outcome.statistics {
            logger.debug("read \(statistics.packets) packets, \(statistics.connections) TCP connections")
        }
        if let failure = outcome.captureError {
            logger.error("\(failure)")
            throw ExitCode(2)
        }
    }
}
