/// An error libxml2 reported (warnings and the parser's own stop are not passed on).
struct ParserDiagnostic {
    /// Recoverable errors (namespace problems) let parsing go on; fatal ones stop it.
    enum Severity { case recoverable, fatal }
    /// The codes the framer treats on their own.
    enum Code {
        /// An end tag that does not match its start tag.
        case tagNameMismatch
        /// libxml2's catch-all, "detected an error in element content" (a DOCTYPE inside a stanza, say).
        case internalError
        case other
    }

    var severity: Severity
    var code: Code
    /// libxml2's message without its trailing newline.
    var message: String
}
