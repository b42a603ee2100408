/// Lets the web proxy's taps read, or holds their reads while the inspector is behind: the web
/// proxy's counterpart of ``ReadGate`` (which waits for ``RelayHandler``s only). Lives on the
/// proxy's event loop.
final class WebReadGate {
    private(set) var isOpen = true
    private var waiting: [() -> Void] = []

    /// Holds reads from now on, until ``open()``.
    func close() { isOpen = false }

    /// Opens the gate and resumes every reader that waited.
    func open() {
        isOpen = true
        let resumes = waiting
        waiting = []
        for resume in resumes { resume() }
    }

    /// A reader wants to read while the gate is closed: `resume` runs when it opens.
    func wait(_ resume: @escaping () -> Void) { waiting.append(resume) }
}
