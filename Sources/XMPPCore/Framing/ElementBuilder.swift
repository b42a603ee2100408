/// The element being built inside a top-level element.
struct ElementBuilder {
    var element: Element
    /// Text not yet added as a node: libxml2 delivers long text in many pieces.
    var pendingText: [UInt8] = []

    mutating func flushText() {
        guard !pendingText.isEmpty else { return }
        element.children.append(.text(String(decoding: pendingText, as: UTF8.self)))
        pendingText.removeAll()
    }
}
