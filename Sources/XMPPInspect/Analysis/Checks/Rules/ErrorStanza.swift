import XMPPCore
import XMPPBase

/// The `<error/>` of a stanza of type error, as the error checks read it.
enum ErrorStanza {
    /// The stanza's tree and its `<error/>` child (in the stanza's namespace), for an iq, message
    /// or presence of type error; the child is nil when missing. Nil for anything else, or where
    /// the tree cannot be had.
    static func parts(_ record: CheckedRecord) -> (stanza: Element, error: Element?)? {
        guard record.isStanza, record.type == "error", let stanza = record.element else { return nil }
        return (stanza, stanza.firstChild("error", namespace: stanza.namespace))
    }

    /// The `<error/>` child of a stanza of type error, or nil.
    static func error(_ record: CheckedRecord) -> Element? {
        parts(record)?.error
    }

    /// The error types RFC 6120 §8.3.2 defines.
    static let types: Set<String> = ["auth", "cancel", "continue", "modify", "wait"]

    /// The first child of `error` in the stanza-errors namespace other than `<text/>`.
    static func condition(of error: Element) -> Element? {
        error.elements.first { $0.namespace == XMPPNamespace.stanzas && $0.name != "text" }
    }
}
