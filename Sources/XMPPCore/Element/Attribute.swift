/// An attribute of an ``Element``.
public struct Attribute: Sendable, Hashable {
    public var name: String
    public var prefix: String?
    public var namespace: String?
    public var value: String

    public init(name: String, prefix: String? = nil, namespace: String? = nil, value: String) {
        self.name = name
        self.prefix = prefix
        self.namespace = namespace
        self.value = value
    }

    /// The name as written: `prefix:name` or `name`.
    public var qualifiedName: String {
        if let prefix { return "\(prefix):\(name)" }
        return name
    }
}
