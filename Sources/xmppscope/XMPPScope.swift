import ArgumentParser

/// The `xmppscope` command.
struct XMPPScope: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xmppscope",
        abstract: "Shows exactly what an XMPP client and server say to each other.",
        discussion: """
            Replay a capture or an XML console dump, or watch a live interface: every stream \
            header, stanza and nonza, iqs paired with their round trip, errors decoded, \
            credentials redacted.
            """,
        version: "0.13.0 (\(GitCommit.description))",
        subcommands: [Replay.self, Capture.self, Proxy.self, CheckCommand.self, Grep.self, Stats.self, Follow.self, Report.self, Filters.self, CA.self]
    )
}
