/// The four attributes every record reports of its top element: `type`, `id`, `from`, `to`
/// (each in no namespace; nil where absent).
public struct StanzaAttributes: Sendable, Hashable {
    public var type: String?
    public var id: String?
    public var from: String?
    public var to: String?

    public init(type: String? = nil, id: String? = nil, from: String? = nil, to: String? = nil) {
        self.type = type
        self.id = id
        self.from = from
        self.to = to
    }
}
