/// An XML element of a stanza or nonza, with every namespace resolved.
///
/// Elements are values: the framer builds one tree per top-level element, and the printer,
/// the iq tracker and the filters read it. Prefixes are kept for display only; compare
/// elements by `namespace` and `name`.
public struct Element: Sendable, Hashable {
    /// The local name (`iq`, `query`, `stream`).
    public var name: String
    /// The prefix as written (`stream` in `<stream:features>`), or nil.
    public var prefix: String?
    /// The namespace URI the element is in, or nil when it is in no namespace.
    public var namespace: String?
    /// Attributes in document order (namespace declarations are not attributes).
    public var attributes: [Attribute]
    /// The `xmlns` / `xmlns:p` declarations written on this element.
    public var namespaceDeclarations: [NamespaceDeclaration]
    /// Child elements and text in document order.
    public var children: [Node]

    public init(
        name: String,
        prefix: String? = nil,
        namespace: String? = nil,
        attributes: [Attribute] = [],
        namespaceDeclarations: [NamespaceDeclaration] = [],
        children: [Node] = []
    ) {
        self.name = name
        self.prefix = prefix
        self.namespace = namespace
        self.attributes = attributes
        self.namespaceDeclarations = namespaceDeclarations
        self.children = children
    }

    /// The name as written: `prefix:name` or `name`.
    public var qualifiedName: String {
        if let prefix { return "\(prefix):\(name)" }
        return name
    }

    /// The value of the attribute with this local name in no namespace (`type`, `id`, `to`).
    public subscript(attribute name: String) -> String? {
        for attribute in attributes where attribute.name == name && attribute.namespace == nil {
            return attribute.value
        }
        return nil
    }

    /// The value of a namespaced attribute, e.g. `xml:lang`.
    public func attribute(_ name: String, namespace: String) -> String? {
        attributes.first { $0.name == name && $0.namespace == namespace }?.value
    }

    /// The child elements, in order.
    public var elements: some Sequence<Element> {
        children.lazy.compactMap { node -> Element? in
            if case .element(let element) = node { return element }
            return nil
        }
    }

    /// The first child element with this name, in `namespace` when one is given.
    public func firstChild(_ name: String, namespace: String? = nil) -> Element? {
        for element in elements where element.name == name {
            if namespace == nil || element.namespace == namespace { return element }
        }
        return nil
    }

    /// The concatenated text directly inside this element (not its descendants).
    public var text: String {
        var result = ""
        for case .text(let text) in children { result += text }
        return result
    }

    /// Every namespace used by this element and its descendants, in first-seen order.
    public var namespacesInUse: [String] {
        var seen: [String] = []
        func visit(_ element: Element) {
            if let namespace = element.namespace, !seen.contains(namespace) { seen.append(namespace) }
            for child in element.elements { visit(child) }
        }
        visit(self)
        return seen
    }
}

/// A namespace declaration: `xmlns='uri'` (prefix nil) or `xmlns:p='uri'`.
public struct NamespaceDeclaration: Sendable, Hashable {
    public var prefix: String?
    public var uri: String

    public init(prefix: String?, uri: String) {
        self.prefix = prefix
        self.uri = uri
    }
}

/// A child of an ``Element``.
public enum Node: Sendable, Hashable {
    case element(Element)
    case text(String)
}
