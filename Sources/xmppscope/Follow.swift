import ArgumentParser
import XMPPBase
import XMPPInspect
#if canImport(Glibc)
import Glibc
#endif

/// `xmppscope follow CAPTURE --keylog FILE --conn N --dir c2s|s2c`: one direction of a TLS
/// connection, decrypted, as raw bytes (Wireshark's "Follow TLS Stream").
struct Follow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "follow",
        abstract: "Write the decrypted bytes of one direction of a TLS connection in a capture.",
        usage: "xmppscope follow [<options>] <file> --conn <n> --dir <dir>",
        discussion: """
            The bytes TLS carried as application data, exactly (no XML decoding), for a tool \
            of your choice or a byte-for-byte comparison (tshark -z follow,tls,raw). \
            Connections are numbered as in the log's 'conn' (and Wireshark's tcp.stream). The \
            bytes are not redacted: SASL credentials come out as they were sent, so \
            --show-secrets is required.

            Example:
              xmppscope follow session.pcap --keylog keys.txt --conn 0 --dir s2c \\
                  --show-secrets > server.xml
            """
    )

    @Argument(help: "A pcap or pcapng capture.")
    var file: String

    @OptionGroup var keyLog: KeyLogOptions

    @Option(name: .customLong("conn"), help: "The connection, as numbered in the log.")
    var connection: Int

    @Option(name: .customLong("dir"), help: "The direction: c2s or s2c.")
    var directionName: String

    @Flag(name: .customLong("show-secrets"), help: "Confirm that credentials may be written: the bytes are not redacted.")
    var showSecrets = false

    func validate() throws {
        if keyLog.paths.isEmpty { throw ValidationError("Give the key log to decrypt with: --keylog FILE.") }
        if !showSecrets {
            throw ValidationError("follow writes the decrypted bytes as they are, credentials included: add --show-secrets to confirm (replay redacts them).")
        }
        if Direction(rawValue: directionName) == nil { throw ValidationError("--dir is c2s or s2c.") }
    }

    func run() throws {
        let keyLog = try keyLog.open(mayGrow: false)
        let stdout = BufferedOutput()
        let inspector = Inspector(options: InspectorOptions(keepsElements: false), keyLog: keyLog) { _ in }
        let wanted = (connection, Direction(rawValue: directionName)!)
        inspector.tapTLSPlaintext { connection, direction, bytes in
            if connection == wanted.0 && direction == wanted.1 { bytes.withUnsafeBufferPointer { stdout.write($0) } }
        }
        let outcome: Replayer.Outcome
        do {
            outcome = try Replayer.replay(path: file, into: inspector)
        } catch {
            throw CommandFailure.failed(error)
        }
        stdout.flush()
        if outcome.captureError != nil { throw ExitCode(2) }
        let count = inspector.connections.count
        guard inspector.connections.contains(where: { $0.id == connection }) else {
            FileHandleStandardError.write("error: the capture has no connection \(connection) (\(count == 0 ? "no TCP connections" : "connections 0 to \(count - 1)"))\n")
            throw ExitCode(1)
        }
    }
}
