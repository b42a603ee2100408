import ArgumentParser
import XMPPInspect

/// `xmppscope filters` (and `xmppscope help filters`).
struct Filters: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "filters",
        abstract: "List the named filters (use them as -f @NAME).",
        discussion: """
            The filter language (docs/filters.md), in short:

              kinds, flags  iq message presence nonza stream error unanswered request
                            response gap tls decrypted parse-error
              fields        type id from to (.bare .domain .resource) dir conn ns rtt
                            size body subject thread show error.type error.condition
                            error.text ts kind event seq
                            tls.version tls.suite tls.sni tls.alpn
              paths         query/item@jid  pubsub/publish  */item@jid
                            (@xml:lang == en)  has(pubsub/publish)
              operators     == != < <= > >= contains matches (~) in {a b c};
                            and && or || not ! ( )
              values        'text' "text" bare-word 42 250ms 1.5s 800us

            ns takes namespace URIs, registry labels and specs: ns == roster, \
            ns == disco#info, ns == XEP-0030. A field alone tests that it is there; != is \
            true when the field is there and no value equals.

            Examples:
              iq and rtt > 200ms
              error.condition == "item-not-found"
              message and body contains "hi"
              presence and from.bare == "alice@example.org"
              iq and query/item@jid == "b@x"
              has(pubsub/publish) or ns == XEP-0060
              type in {get set} and not dir == c2s
              tls and not decrypted     (TLS sessions the key log did not open)

            Named filters: NAME.filter files (the first comment line describes it). The shipped \
            ones are built in; files in $XMPPSCOPE_HOME/filters (default ~/.xmppscope/filters), \
            then --filters DIR, add to them or replace one of the same name. Each filter's source \
            is listed after it.
            """
    )

    @Option(name: .customLong("filters"), help: "Another folder of named filters.")
    var filtersDirectory: String?

    func run() throws {
        let all = NamedFilters.all(extra: filtersDirectory)
        let stdout = BufferedOutput()
        let width = all.map(\.name.count).max() ?? 0
        let indent = String(repeating: " ", count: width + 3)
        for filter in all {
            stdout.write("@" + filter.name + String(repeating: " ", count: width - filter.name.count) + "  " + filter.description + "\n")
            stdout.write(indent + filter.expression + "\n")
            stdout.write(indent + "(" + filter.origin.description + ")\n")
        }
        stdout.write("searched: built-in, " + NamedFilters.directories(extra: filtersDirectory).joined(separator: ", ") + "\n")
        stdout.flush()
    }
}
