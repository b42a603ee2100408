import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Runs `handler` on Ctrl-C (SIGINT) or SIGTERM instead of dying, so output is flushed and
/// connections closed. Keep the returned sources alive; cancel them when done.
func onTerminationSignals(_ handler: @escaping @Sendable () -> Void) -> [any DispatchSourceSignal] {
    [SIGINT, SIGTERM].map { number in
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler(handler: handler)
        source.resume()
        return source
    }
}
