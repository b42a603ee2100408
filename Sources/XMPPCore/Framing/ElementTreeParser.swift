/// Builds whole element trees from top-level elements' bytes (``FramedElement/completeElement(using:)``)
/// through one framer kept open inside a stream: each element is fed after the one before, so
/// libxml2's context is made once per stream header, not once per element (that costs more than
/// parsing most stanzas).
///
/// The context is started afresh when the header changes, after
/// ``elementsPerContext`` elements (libxml2's dictionary keeps every name it meets), and after
/// anything but one clean element; then that element is parsed in a context of its own, so the
/// tree is always the one ``XMLFramer/parseElement(_:header:)`` builds. Not thread-safe: one per
/// thread that builds trees.
public final class ElementTreeParser {
    /// Elements parsed in one context before it is started afresh.
    static let elementsPerContext = 1_000

    private var framer: XMLFramer?
    private var header: [UInt8] = []
    private var parsedInContext = 0

    public init() {}

    /// The whole tree of the top-level element `raw`, as written under `header` (a stream
    /// header or BOSH body start tag; empty for the default client stream).
    public func parse(_ raw: [UInt8], header: [UInt8]) -> Element? {
        let framer = framer(for: header)
        var element: Element?
        var clean = true
        framer.feed(raw) { event in
            if case .element(let framed) = event, element == nil {
                element = framed.element
            } else {
                clean = false
            }
        }
        parsedInContext += 1
        guard let element, clean, framer.isBetweenItems else {
            self.framer = nil
            return XMLFramer.parseElement(raw, header: header)
        }
        return element
    }

    private func framer(for header: [UInt8]) -> XMLFramer {
        if let framer, header == self.header, parsedInContext < Self.elementsPerContext { return framer }
        let framer = XMLFramer(limits: FramerLimits(maxStanzaBytes: Int(Int32.max), maxDepth: .max))
        // The header may be a BOSH body's start tag (the element came in one).
        framer.readsBOSHBodies = true
        framer.feed(header.isEmpty ? framer.defaultHeader : header) { _ in }
        self.framer = framer
        self.header = header
        parsedInContext = 0
        return framer
    }
}
