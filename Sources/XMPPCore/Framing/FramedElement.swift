/// A complete top-level element: a stanza (`iq`, `message`, `presence`) or a nonza.
///
/// What the framer made is kept in one immutable object with the element's bytes, so that
/// handing the element on (into an event, across the hand-off to the record thread, into the
/// checks) retains one reference instead of each of its strings and arrays.
///
/// Its storage is a `ManagedBuffer`, whose `Sendable` conformance is unavailable: the one stored
/// property the compiler cannot check is marked `nonisolated(unsafe)`. The storage is never
/// changed once made (setting ``element`` replaces it; see ``FramedElementStorage``).
public struct FramedElement: Sendable, Hashable {
    /// What the framer made; replaced, never changed, when ``element`` is set.
    nonisolated(unsafe) private var storage: FramedElementStorage
    /// Where its `<` is.
    public var offset: Int

    /// `raw`: where its bytes are in the framer's window; `packedAttributes`: the first `length`
    /// bytes of `bytes` hold `count` attributes (``PackedAttributes``). Both are copied.
    init(element: Element, packedAttributes: (bytes: [UInt8], count: Int, length: Int)?,
         raw: (window: ByteWindow, from: Int, to: Int), offset: Int, namespaces: [String], childCount: Int,
         childNames: ChildNameMarks = .unknown, isComplete: Bool, header: [UInt8]) {
        let packedBytes = packedAttributes?.bytes ?? [], packedLength = packedAttributes?.length ?? 0
        let parts = FramedElementParts(framed: element, namespaces: namespaces, childCount: childCount, childNames: childNames,
                                       isComplete: isComplete, streamHeader: header, rawCount: raw.to - raw.from,
                                       packedCount: packedAttributes?.count, packedLength: packedLength)
        storage = raw.window.withBytes(from: raw.from, to: raw.to) { rawBytes in
            packedBytes.withUnsafeBufferPointer {
                FramedElementStorage.make(parts: parts, raw: rawBytes, packed: UnsafeBufferPointer(rebasing: $0[..<packedLength]))
            }
        }
        self.offset = offset
    }

    /// The bytes as sent, from its `<` to the end of its end tag: a copy made on each read. To
    /// read them without one, use ``withRawBytes(_:)``; for their length, ``rawCount``.
    public var raw: [UInt8] { storage.withRaw { Array($0) } }
    /// How many bytes were sent.
    public var rawCount: Int { storage.header.rawCount }
    /// Calls `body` with the bytes as sent, without copying them; the buffer is valid only inside `body`.
    public func withRawBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        storage.withRaw(body)
    }
    /// Every namespace the element and its descendants are in, its own first, in first-seen order.
    public var namespaces: [String] { storage.header.namespaces }
    /// How many child elements it has (counted whether or not `element` holds them).
    public var childCount: Int { storage.header.childCount }
    /// Its children's local names, as the framer saw their start tags.
    public var childNames: ChildNameMarks { storage.header.childNames }
    /// Whether `element` holds the whole tree.
    public var isComplete: Bool { storage.header.isComplete }
    /// The stream header the element was parsed under (for its namespace declarations).
    var header: [UInt8] { storage.header.streamHeader }

    /// The element; with ``XMLFramer/Content/topLevel`` only the element itself, no children,
    /// unless the framer built it whole (``isComplete``, ``XMLFramer/wholeElements``).
    /// Packed attributes are built into strings on each read: where only a few are wanted, read
    /// them with ``subscript(attribute:)``.
    public var element: Element {
        get {
            guard let attributes = storage.withPackedAttributes({ $0.unpacked() }) else { return storage.header.framed }
            var element = storage.header.framed
            element.attributes = attributes
            return element
        }
        set {
            let old = storage.header
            let parts = FramedElementParts(framed: newValue, namespaces: old.namespaces, childCount: old.childCount,
                                           childNames: old.childNames, isComplete: old.isComplete, streamHeader: old.streamHeader,
                                           rawCount: old.rawCount, packedCount: nil, packedLength: 0)
            storage = storage.withRaw { FramedElementStorage.make(parts: parts, raw: $0, packed: UnsafeBufferPointer(start: nil, count: 0)) }
        }
    }

    /// The element's local name, without building its attributes.
    public var name: String { storage.header.framed.name }
    /// The element's namespace, without building its attributes.
    public var namespace: String? { storage.header.framed.namespace }

    /// The value of the top element's attribute with this local name in no namespace, building
    /// no other.
    public subscript(attribute name: String) -> String? {
        guard storage.header.packedCount != nil else { return storage.header.framed[attribute: name] }
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
        let framed = storage.header.framed
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
        lhs.element == rhs.element && lhs.withRawBytes { left in rhs.withRawBytes { left.elementsEqual($0) } }
            && lhs.offset == rhs.offset && lhs.namespaces == rhs.namespaces
            && lhs.childCount == rhs.childCount && lhs.childNames == rhs.childNames && lhs.isComplete == rhs.isComplete && lhs.header == rhs.header
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(element)
        withRawBytes { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        hasher.combine(offset)
    }
}
