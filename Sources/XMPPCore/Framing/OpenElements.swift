/// The elements begun and not yet ended inside a top-level element, outermost first, each with
/// the text it was given since its last child (libxml2 delivers long text in many pieces).
///
/// Elements and texts are kept in two arrays, so that a closed element leaves the stack by a
/// move (popped from the array of elements), with no copy of its fields.
struct OpenElements {
    private var elements: [Element] = []
    private var texts: [[UInt8]] = []

    /// Whether no element is open.
    var isEmpty: Bool { elements.isEmpty }

    /// A start tag: `element` opens inside the innermost open element, after the text that one has so far.
    mutating func open(_ element: consuming Element) {
        flushText()
        elements.append(consume element)
        texts.append([])
    }

    /// Text (or CDATA) inside the innermost open element; there must be one.
    mutating func appendText(_ text: UnsafeBufferPointer<UInt8>) {
        texts[texts.count - 1].append(contentsOf: text)
    }

    /// An end tag: the innermost open element, complete with its last text, or nil when none is
    /// open. Give it to its parent with ``addChild(_:)`` when another is still open.
    mutating func close() -> Element? {
        guard !elements.isEmpty else { return nil }
        flushText()
        texts.removeLast()
        return elements.popLast()
    }

    /// `child` (just closed) becomes the innermost open element's last child, after its text so far.
    mutating func addChild(_ child: consuming Element) {
        flushText()
        elements[elements.count - 1].children.append(.element(consume child))
    }

    /// Forgets every open element.
    mutating func removeAll() {
        elements.removeAll(keepingCapacity: true)
        texts.removeAll(keepingCapacity: true)
    }

    /// The innermost open element's pending text becomes a text node.
    private mutating func flushText() {
        guard let last = texts.indices.last, !texts[last].isEmpty else { return }
        elements[last].children.append(.text(String(decoding: texts[last], as: UTF8.self)))
        texts[last].removeAll()
    }
}
