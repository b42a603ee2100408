/// Records ready to send, made on the records thread: each one a whole server-sent event
/// (`id: N\ndata: {record}\n\n`), numbered from `firstID` on, one after another in `frames`.
public struct LiveEventBatch: Sendable {
    /// The id of the first event; the others follow one by one.
    public let firstID: Int
    /// The events' bytes, back to back.
    public let frames: [UInt8]
    /// Where each event ends in `frames`.
    public let ends: [Int]

    public var count: Int { ends.count }
    public var isEmpty: Bool { ends.isEmpty }

    public init(firstID: Int, frames: [UInt8], ends: [Int]) {
        self.firstID = firstID
        self.frames = frames
        self.ends = ends
    }
}
