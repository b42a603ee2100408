/// What the framer made of one top-level element, shared by every copy of a ``FramedElement``.
final class FramedElementStorage: Sendable {
    /// The element as framed; its attributes are in `packedAttributes` when the framer packed them.
    let framed: Element
    /// The top element's attributes as bytes (``XMLFramer/packsAttributes``), or nil when they
    /// are in `framed`.
    let packedAttributes: PackedAttributes?
    /// The bytes as sent, from its `<` to the end of its end tag.
    let raw: [UInt8]
    /// Every namespace the element and its descendants are in, its own first, in first-seen order.
    let namespaces: [String]
    /// How many child elements it has.
    let childCount: Int
    /// Its children's local names.
    let childNames: ChildNameMarks
    /// Whether `framed` holds the whole tree.
    let isComplete: Bool
    /// The stream header the element was parsed under.
    let header: [UInt8]

    init(framed: Element, packedAttributes: PackedAttributes?, raw: [UInt8], namespaces: [String],
         childCount: Int, childNames: ChildNameMarks, isComplete: Bool, header: [UInt8]) {
        self.framed = framed
        self.packedAttributes = packedAttributes
        self.raw = raw
        self.namespaces = namespaces
        self.childCount = childCount
        self.childNames = childNames
        self.isComplete = isComplete
        self.header = header
    }
}
