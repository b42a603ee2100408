/// The live view's state at one moment (for tests and diagnostics).
struct LiveViewSnapshot: Sendable, Equatable {
    /// The oldest event kept.
    var firstID: Int
    /// The id the next event will get.
    var nextID: Int
    /// Event streams open.
    var subscribers: Int
    /// Streams closed because the browser fell too far behind.
    var cutOff: Int
}
