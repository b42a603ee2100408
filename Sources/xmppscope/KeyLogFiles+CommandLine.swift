import Logging
import XMPPInspect

extension KeyLogFiles {
    /// The key logs named on the command line (nil for none), with their warnings on standard
    /// error; a file that cannot be read is a ``CommandFailure``.
    static func open(_ paths: [String], mayGrow: Bool) throws -> KeyLogFiles? {
        guard !paths.isEmpty else { return nil }
        let logger = Logger(label: "xmppscope.keylog")
        do {
            return try KeyLogFiles(paths: paths, mayGrow: mayGrow) { logger.warning("\($0)") }
        } catch {
            throw CommandFailure.failed(error)
        }
    }
}
