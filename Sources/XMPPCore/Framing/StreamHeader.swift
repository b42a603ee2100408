/// A `<stream:stream>` opening tag.
public struct StreamHeader: Sendable, Hashable {
    /// The header element, without children.
    public var element: Element
    /// The bytes as sent, including any `<?xml?>` declaration before it.
    public var raw: [UInt8]
    /// Where the header starts.
    public var offset: Int

    public init(element: Element, raw: [UInt8], offset: Int) {
        self.element = element
        self.raw = raw
        self.offset = offset
    }

    /// The default namespace of the stream's content: `jabber:client`, `jabber:server`, `jabber:component:accept`.
    public var contentNamespace: String? {
        element.namespaceDeclarations.first { $0.prefix == nil }?.uri
    }
}

extension Element {
    /// Parses one top-level element's XML (a stanza as logged) in a `jabber:client` stream; nil
    /// when it is not well-formed.
    public static func parse(_ xml: [UInt8]) -> Element? {
        XMLFramer.parseElement(xml, header: [])
    }

    /// Parses a stream header as logged (`<?xml?>` and an open `<stream:stream …>` tag).
    public static func parseStreamHeader(_ xml: [UInt8]) -> Element? {
        let framer = XMLFramer()
        var header: Element?
        framer.feed(xml) { event in
            if case .streamOpened(let opened) = event, header == nil { header = opened.element }
        }
        return header
    }
}
