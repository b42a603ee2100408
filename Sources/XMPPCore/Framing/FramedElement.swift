/// A complete top-level element: a stanza (`iq`, `message`, `presence`) or a nonza.
public struct FramedElement: Sendable, Hashable {
    /// The element; with ``XMLFramer/Content/topLevel`` only the element itself, no children.
    public var element: Element
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

    /// The whole tree: `element`, or parsed again from `raw` when only the top was kept.
    public func completeElement() -> Element {
        if isComplete { return element }
        return XMLFramer.parseElement(raw, header: header) ?? element
    }
}
