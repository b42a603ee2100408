/// Where a named filter came from.
public enum NamedFilterOrigin: Sendable, Hashable, CustomStringConvertible {
    /// Shipped in `filters/` and compiled into the binary (`BuiltInFilters`).
    case builtIn
    /// A `.filter` file in `$XMPPSCOPE_HOME/filters` or a `--filters` folder.
    case file(path: String)

    /// `built-in`, or the file's path.
    public var description: String {
        switch self {
        case .builtIn: "built-in"
        case .file(let path): path
        }
    }
}
