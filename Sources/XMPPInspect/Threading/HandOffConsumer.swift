/// The work a ``HandOffThread`` does on its thread. The consumer is handed to the thread whole
/// (`sending`) and used there only, so it need not be `Sendable`; what goes back is its outcome.
/// Its conformance is used on that thread, so it cannot be isolated to an actor (`SendableMetatype`).
public protocol HandOffConsumer: SendableMetatype {
    associatedtype Item: Sendable
    associatedtype Outcome: Sendable = Void

    /// What keeping `item` waiting costs (its bytes, say): the thread's ``WaterMarks`` count
    /// this, from when it is pushed until ``consume(_:)`` has returned with it. The same item
    /// must always cost the same. 1 by default.
    static func cost(of item: Item) -> Int

    /// Works through `items`, the next ones in the order they were handed over.
    mutating func consume(_ items: ArraySlice<Item>)

    /// No more items come: the last thing done on the thread. Its result goes to
    /// ``HandOffThread/close()``.
    mutating func finish() -> Outcome
}

extension HandOffConsumer {
    public static func cost(of item: Item) -> Int { 1 }
}
