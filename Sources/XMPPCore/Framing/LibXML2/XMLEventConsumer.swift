/// What the libxml2 bridge reports while it parses, as Swift values, in document order.
/// ``XMLFramer`` implements it; the bridge holds the framer by its concrete type, unretained
/// (see ``LibXML2PushParser``).
protocol XMLEventConsumer: AnyObject {
    func startElement(_ tag: StartTag)
    func endElement()
    /// Text or CDATA; long text comes in several pieces.
    func characters(_ text: UnsafeBufferPointer<UInt8>)
    /// A construct RFC 6120 §11.1 forbids: a DOCTYPE, an entity, a comment, a processing instruction.
    func refuse(_ construct: RestrictedConstruct)
    func parserError(_ diagnostic: ParserDiagnostic)
}
