import XMPPInspect

/// Why a command stops: thrown from `run()`, reported by `main.swift` on standard error
/// (`message`, then a newline) with exit status `exitStatus`.
enum CommandFailure: Error {
    /// A filter that does not parse, or a named filter that does not exist. Grep exits 2 with it
    /// because 1 means "no match", as for grep(1); the other commands exit 1.
    case badFilter(FilterError, exitStatus: Int32 = 1)
    /// A file the user named (`ca export --pem`) could not be written.
    case cannotWrite(path: String, reason: any Error)
    /// The `--log` file could not be created.
    case cannotWriteLog(path: String)
    /// The proxy could not listen on `--listen`.
    case cannotListen(address: String, reason: any Error)
    /// `--upstream DOMAIN` publishes an SRV record with target '.': no XMPP service there.
    case noXMPPService(host: String)
    /// A library error whose own message tells the user what to do (a capture that cannot be
    /// read, an interface that cannot be opened, a CA that cannot be used).
    case failed(any Error)

    /// The text for standard error, without the newline.
    var message: String {
        switch self {
        case .badFilter(let error, _): return "\(error)"  // "error: …", the expression and a caret
        case .cannotWrite(let path, let reason): return "error: cannot write \(path): \(reason)"
        case .cannotWriteLog(let path): return "error: cannot write the log \(path)"
        case .cannotListen(let address, let reason): return "error: cannot listen on \(address): \(reason)"
        case .noXMPPService(let host): return "error: \(host) says it offers no XMPP service (its SRV target is '.')"
        case .failed(let error): return "error: \(error)"
        }
    }

    var exitStatus: Int32 {
        switch self {
        case .badFilter(_, let exitStatus): return exitStatus
        case .cannotWrite, .cannotWriteLog, .cannotListen, .noXMPPService, .failed: return 1
        }
    }
}

/// Runs `body`; any error it throws stops the command as `CommandFailure.failed` (`error: …`, exit 1).
func withUserError<T>(_ body: () throws -> T) throws(CommandFailure) -> T {
    do {
        return try body()
    } catch {
        throw .failed(error)
    }
}

/// The filter `text` names or spells (`NamedFilters.resolve`); a bad one stops the command.
func resolveFilter(_ text: String, extra: String?, exitStatus: Int32 = 1) throws(CommandFailure) -> RecordFilter {
    do {
        return try NamedFilters.resolve(text, extra: extra)
    } catch {
        throw .badFilter(error, exitStatus: exitStatus)
    }
}
