/// A complete top-level element: a stanza (`iq`, `message`, `presence`) or a nonza.
///
/// What the framer made is kept in one immutable object, so that handing the element on (into
/// an event, across the hand-off to the record thread, into the checks) retains one reference
/// instead of each of its strings and arrays.
public struct FramedElement: Sendable, Hashable {
    /// What the framer made; replaced, never changed, when ``element`` is set.
    private var storage: FramedElementStorage
    /// Where its `<` is.
    public var offset: Int

    init(element: Element, packedAttributes: (bytes: [UInt8], count: Int)?, raw: [UInt8], offset: Int, namespaces: [String],
         childCount: Int, childNames: ChildNameMarks = .unknown, isComplete: Bool, header: [UInt8]) {
        storage = FramedElementStorage(framed: element, packed: packedAttributes, raw: raw,
                                       namespaces: namespaces, childCount: childCount, childNames: childNames,
                                       isComplete: isComplete, header: header)
        self.offset = offset
    }

    /// The bytes as sent, from its `<` to the end of its end tag.
    public var raw: [UInt8] { storage.raw }
    /// Every namespace the element and its descendants are in, its own first, in first-seen order.
    public var namespaces: [String] { storage.namespaces }
    /// How many child elements it has (counted whether or not `element` holds them).
    public var childCount: Int { storage.childCount }
    /// Its children's local names, as the framer saw their start tags.
    public var childNames: ChildNameMarks { storage.childNames }
    /// Whether `element` holds the whole tree.
    public var isComplete: Bool { storage.isComplete }
    /// The stream header the element was parsed under (for its namespace declarations).
    var header: [UInt8] { storage.header }

    /// The element; with ``XMLFramer/Content/topLevel`` only the element itself, no children.
    /// Packed attributes are built into strings on each read: where only a few are wanted, read
    /// them with ``subscript(attribute:)``.
    public var element: Element {
        get {
            guard let attributes = storage.withPackedAttributes({ $0.unpacked() }) else { return storage.framed }
            var element = storage.framed
            element.attributes = attributes
            return element
        }
        set {
            storage = FramedElementStorage(framed: newValue, packed: nil, raw: storage.raw,
                                           namespaces: storage.namespaces, childCount: storage.childCount,
                                           childNames: storage.childNames, isComplete: storage.isComplete, header: storage.header)
        }
    }

    /// The element's local name, without building its attributes.
    public var name: String { storage.framed.name }
    /// The element's namespace, without building its attributes.
    public var namespace: String? { storage.framed.namespace }

    /// The value of the top element's attribute with this local name in no namespace, building
    /// no other.
    public subscript(attribute name: String) -> String? {
        guard storage.hasPackedAttributes else { return storage.framed[attribute: name] }
        return storage.withPackedAttributes { $0.value(of: name) } ?? nil
    }

    /// The top element's `type`, `id`, `from` and `to`, building no other attribute.
    public var stanzaAttributes: StanzaAttributes {
        var result = StanzaAttributes()
        var addresses = RecentStrings()
        stanzaAttributes(type: &result.type, id: &result.id, from: &result.from, to: &result.to, addresses: &addresses)
        return result
    }

    /// The same, set in place where they are to go, with no copy of the strings. Each must be
    /// nil on entry; an absent one stays nil. `addresses` (strings lately made for `from` and
    /// `to`, used again for the same bytes) serves packed attributes; a kept tree has its strings.
    public func stanzaAttributes(type: inout String?, id: inout String?, from: inout String?, to: inout String?,
                                 addresses: inout RecentStrings) {
        assert(type == nil && id == nil && from == nil && to == nil, "stanzaAttributes(type:id:from:to:addresses:) fills nil values")
        let packed: Void? = storage.withPackedAttributes {
            $0.stanzaAttributes(type: &type, id: &id, from: &from, to: &to, addresses: &addresses)
        }
        if packed != nil { return }
        let framed = storage.framed
        type = framed[attribute: "type"]
        id = framed[attribute: "id"]
        from = framed[attribute: "from"]
        to = framed[attribute: "to"]
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
            && lhs.childCount == rhs.childCount && lhs.childNames == rhs.childNames && lhs.isComplete == rhs.isComplete && lhs.header == rhs.header
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(element)
        hasher.combine(raw)
        hasher.combine(offset)
    }
}
