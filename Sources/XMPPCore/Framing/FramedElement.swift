/// A complete top-level element: a stanza (`iq`, `message`, `presence`) or a nonza.
public struct FramedElement: Sendable, Hashable {
    /// The element as framed; its attributes are in `packedAttributes` when the framer packed them.
    private var framed: Element
    /// The top element's attributes as bytes (``XMLFramer/packsAttributes``), or nil when they
    /// are in `framed`.
    private var packedAttributes: PackedAttributes?
    /// The bytes as sent, from its `<` to the end of its end tag.
    public var raw: [UInt8]
    /// Where its `<` is.
    public var offset: Int
    /// Every namespace the element and its descendants are in, its own first, in first-seen order.
    public var namespaces: [String]
    /// How many child elements it has (counted whether or not `element` holds them).
    public var childCount: Int
    /// Whether `element` holds the whole tree.
    public var isComplete: Bool
    /// The stream header the element was parsed under (for its namespace declarations).
    var header: [UInt8]

    init(element: Element, packedAttributes: PackedAttributes?, raw: [UInt8], offset: Int, namespaces: [String],
         childCount: Int, isComplete: Bool, header: [UInt8]) {
        self.framed = element
        self.packedAttributes = packedAttributes
        self.raw = raw
        self.offset = offset
        self.namespaces = namespaces
        self.childCount = childCount
        self.isComplete = isComplete
        self.header = header
    }

    /// The element; with ``XMLFramer/Content/topLevel`` only the element itself, no children.
    /// Packed attributes are built into strings on each read: where only a few are wanted, read
    /// them with ``subscript(attribute:)``.
    public var element: Element {
        get {
            guard let packedAttributes else { return framed }
            var element = framed
            element.attributes = packedAttributes.unpacked()
            return element
        }
        set {
            framed = newValue
            packedAttributes = nil
        }
    }

    /// The element's local name, without building its attributes.
    public var name: String { framed.name }
    /// The element's namespace, without building its attributes.
    public var namespace: String? { framed.namespace }

    /// The value of the top element's attribute with this local name in no namespace, building
    /// no other.
    public subscript(attribute name: String) -> String? {
        if let packedAttributes { return packedAttributes.value(of: name) }
        return framed[attribute: name]
    }

    /// The top element's `type`, `id`, `from` and `to`, building no other attribute.
    public var stanzaAttributes: StanzaAttributes {
        if let packedAttributes { return packedAttributes.stanzaAttributes() }
        return StanzaAttributes(type: framed[attribute: "type"], id: framed[attribute: "id"],
                                from: framed[attribute: "from"], to: framed[attribute: "to"])
    }

    /// The whole tree: `element`, or parsed again from `raw` when only the top was kept.
    public func completeElement() -> Element {
        if isComplete { return element }
        return XMLFramer.parseElement(raw, header: header) ?? element
    }

    /// The whole tree, parsed again where needed by `parser`, which keeps its libxml2 context
    /// from one element to the next.
    public func completeElement(using parser: ElementTreeParser) -> Element {
        if isComplete { return element }
        return parser.parse(raw, header: header) ?? element
    }

    public static func == (lhs: FramedElement, rhs: FramedElement) -> Bool {
        lhs.element == rhs.element && lhs.raw == rhs.raw && lhs.offset == rhs.offset && lhs.namespaces == rhs.namespaces
            && lhs.childCount == rhs.childCount && lhs.isComplete == rhs.isComplete && lhs.header == rhs.header
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(element)
        hasher.combine(raw)
        hasher.combine(offset)
    }
}
