/// What the framer made of one top-level element, shared by every copy of a ``FramedElement``.
final class FramedElementStorage: Sendable {
    /// The element as framed; its attributes are in the packed bytes when the framer packed them.
    let framed: Element
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

    /// How many attributes the top element has packed (``XMLFramer/packsAttributes``), or nil
    /// when they are in `framed`.
    private let packedCount: Int?
    /// How long their bytes are (``PackedAttributes``).
    private let packedLength: Int
    /// Those bytes when they fit here: a stanza's `type`, `id`, `from` and `to` with their headers
    /// come to about 120–160 bytes. Kept in the object, they cost no allocation of their own (no
    /// malloc as the framer makes them, no free as the last copy goes).
    private let packedInline: InlineArray<192, UInt8>
    /// Those bytes when they do not fit (empty otherwise).
    private let packedHeap: [UInt8]

    /// `packed`: the attributes ``PackedAttributes/pack(count:groups:onto:)`` wrote, copied in.
    init(framed: Element, packed: (bytes: [UInt8], count: Int)?, raw: [UInt8], namespaces: [String],
         childCount: Int, childNames: ChildNameMarks, isComplete: Bool, header: [UInt8]) {
        self.framed = framed
        self.raw = raw
        self.namespaces = namespaces
        self.childCount = childCount
        self.childNames = childNames
        self.isComplete = isComplete
        self.header = header
        packedCount = packed?.count
        let bytes = packed?.bytes ?? []
        packedLength = bytes.count
        var inline = InlineArray<192, UInt8>(repeating: 0)
        if bytes.count <= inline.count {
            bytes.withUnsafeBytes { source in
                withUnsafeMutableBytes(of: &inline) { $0.copyMemory(from: source) }
            }
            packedHeap = []
        } else {
            packedHeap = bytes
        }
        packedInline = inline
    }

    /// Calls `body` with the packed attributes, or returns nil when there are none (the
    /// attributes are in `framed`). The view is valid only inside `body`.
    func withPackedAttributes<Result>(_ body: (PackedAttributes) -> Result) -> Result? {
        guard let packedCount else { return nil }
        if packedLength > packedInline.count {
            return packedHeap.withUnsafeBufferPointer { body(PackedAttributes(bytes: $0, count: packedCount)) }
        }
        return withUnsafeBytes(of: packedInline) { inline in
            body(PackedAttributes(bytes: UnsafeBufferPointer(rebasing: inline.bindMemory(to: UInt8.self)[..<packedLength]), count: packedCount))
        }
    }

    /// Whether the top element's attributes are packed.
    var hasPackedAttributes: Bool { packedCount != nil }
}
