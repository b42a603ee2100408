/// What the framer made of one top-level element besides its bytes: the header of its
/// ``FramedElementStorage``, which keeps the bytes right after it.
struct FramedElementParts {
    /// The element as framed; its attributes are in the packed bytes when the framer packed them.
    let framed: Element
    /// Every namespace the element and its descendants are in, its own first, in first-seen order.
    let namespaces: [String]
    /// How many child elements it has.
    let childCount: Int
    /// Its children's local names.
    let childNames: ChildNameMarks
    /// Whether `framed` holds the whole tree.
    let isComplete: Bool
    /// The stream header the element was parsed under.
    let streamHeader: [UInt8]
    /// How long the bytes as sent are (the first bytes kept).
    let rawCount: Int
    /// How many attributes the top element has packed (``XMLFramer/packsAttributes``), or nil
    /// when they are in `framed`.
    let packedCount: Int?
    /// How long their bytes are (``PackedAttributes``); they follow the bytes as sent.
    let packedLength: Int
}
