/// What a framer's consumer reads of an event before passing it on: read where the event lies
/// (a switch over a variable copied the event first), so that the event itself can move on.
extension FramerEvent {
    /// A stream header's content namespace; nil for any other event.
    public var streamContentNamespace: String? {
        if case .streamOpened(let header) = self { return header.contentNamespace }
        return nil
    }

    /// A top-level element's name and namespace; nil for any other event.
    public var topLevelName: (name: String, namespace: String?)? {
        if case .element(let framed) = self { return (framed.name, framed.namespace) }
        return nil
    }
}
