/// Something wrong in the HTTP or WebSocket layer of one direction, and where.
public struct WebProblem: Sendable, Hashable, CustomStringConvertible {
    public var kind: WebProblemKind
    /// Offset in the direction's byte stream.
    public var offset: Int

    public init(kind: WebProblemKind, offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    public var description: String { "\(kind) (at byte \(offset))" }
}
