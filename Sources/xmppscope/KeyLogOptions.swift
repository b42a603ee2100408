import ArgumentParser
import XMPPInspect

/// `--keylog FILE`, repeatable: the key logs TLS sessions are decrypted with. Shared by every
/// command that reads captures or relays TLS.
struct KeyLogOptions: ParsableArguments {
    @Option(name: .customLong("keylog"), help: ArgumentHelp(
        "A TLS key log (SSLKEYLOGFILE format) to decrypt TLS sessions with; repeat for several.",
        valueName: "file"))
    var paths: [String] = []

    /// The key logs, read (and, with `mayGrow`, read again as they grow); nil without any.
    /// Malformed lines are warnings on standard error.
    func open(mayGrow: Bool) throws -> KeyLogFiles? {
        try KeyLogFiles.open(paths, mayGrow: mayGrow)
    }
}
