#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The folder xmppscope keeps its CA and named filters in: `$XMPPSCOPE_HOME`, else
/// `$HOME/.xmppscope`, else `./.xmppscope`. A variable set to the empty string counts as unset.
public enum XMPPScopeHome {
    /// The folder, from this process's environment.
    public static var directory: String {
        directory { name in getenv(name).map { String(cString: $0) } }
    }

    /// The folder, from `environment` (a variable's value by name, nil when unset).
    public static func directory(environment: (String) -> String?) -> String {
        func value(_ name: String) -> String? { environment(name).flatMap { $0.isEmpty ? nil : $0 } }
        if let home = value("XMPPSCOPE_HOME") { return home }
        if let home = value("HOME") { return home + "/.xmppscope" }
        return "./.xmppscope"
    }
}
