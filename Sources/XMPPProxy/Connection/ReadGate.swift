/// Lets the relay handlers of every connection read, or holds their reads while the inspector
/// is behind. Lives on the proxy's event loop.
final class ReadGate {
    private(set) var isOpen = true
    private var waiting: [RelayHandler] = []

    /// Holds reads from now on, until ``open()``.
    func close() { isOpen = false }

    /// Opens the gate and lets every handler that waited read.
    func open() {
        isOpen = true
        let handlers = waiting
        waiting = []
        for handler in handlers { handler.gateOpened() }
    }

    /// `handler` wants to read while the gate is closed.
    func wait(_ handler: RelayHandler) { waiting.append(handler) }
}
